/** SKUs and order ids: 1–64 characters that need no escaping in URLs, logs or SQL literals. */
export const SKU = /^[A-Za-z0-9._:-]{1,64}$/;

/** The message class-validator gives for an identifier that does not match {@link SKU}. */
export const SKU_MESSAGE = 'must be 1-64 characters of A-Z a-z 0-9 . _ : -';
