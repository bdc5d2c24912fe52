import {
  DEADLINE_HEADER,
  Phase,
  PhaseCallBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signCall,
} from '@app/protocol';

/** A participant's answer to one phase call. */
export interface PhaseAnswer {
  status: number;
  code: string | null;
}

/**
 * Sends `POST {baseUrl}/tcc/{action}/{phase}` signed exactly as the
 * coordinator signs it: how tests duplicate and reorder the coordinator's
 * calls, or how an operator settles a resolved branch by hand.
 */
export async function callPhase(
  baseUrl: string,
  secret: string,
  action: string,
  phase: Phase,
  body: PhaseCallBody,
  deadlineMs?: number,
): Promise<PhaseAnswer> {
  const path = `/tcc/${action}/${phase}`;
  const raw = JSON.stringify(body);
  const timestamp = String(Date.now());
  const deadline = deadlineMs === undefined ? '' : String(deadlineMs);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signCall(secret, { timestamp, method: 'POST', path, deadline, body: raw }),
  };
  if (deadline) headers[DEADLINE_HEADER] = deadline;
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: raw,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let code: string | null = null;
  try {
    code = (JSON.parse(text) as { code?: string }).code ?? null;
  } catch {
    code = null;
  }
  return { status: response.status, code };
}
