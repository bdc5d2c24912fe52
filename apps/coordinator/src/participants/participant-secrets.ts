import type { Secrets } from '@app/config';

/**
 * The signing secrets of one participant, current first, then the previous
 * one during a rotation: its own (`TCC_PARTICIPANT_SECRETS`) when the
 * coordinator holds one for it, else the shared `TCC_SIGNING_SECRET`. Calls
 * to it are signed with the first; its registration is verified with these
 * only, so a participant with its own secret can neither be called with
 * another's signature nor have its name taken by another's.
 */
export function signingSecretsOf(secrets: Secrets, participant: string): readonly string[] {
  return secrets.participantSecrets.get(participant) ?? secrets.signingSecrets;
}
