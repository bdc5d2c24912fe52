/** Account ids: 1–64 characters that need no escaping in URLs, logs or SQL literals. */
export const ACCOUNT_ID = /^[A-Za-z0-9._:@-]{1,64}$/;
