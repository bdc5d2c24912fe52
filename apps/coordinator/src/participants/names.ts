/** Participant names and action names: lower-case, URL-safe, at most 63 characters. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
