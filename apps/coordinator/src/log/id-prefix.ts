/** The text form of a transaction id: lower-case hex digits in groups 8-4-4-4-12. */
const UUID_TEMPLATE = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';

/**
 * The ids whose text starts with `text`, as an inclusive range of uuids, or
 * null when no id can start with it. PostgreSQL orders uuids by their bytes,
 * which is the order of their hex text, so the range is one scan of the
 * primary key where `id::text LIKE 'ab12%'` would read every row.
 */
export function idPrefixRange(text: string): { first: string; last: string } | null {
  const prefix = text.toLowerCase();
  if (prefix.length === 0 || prefix.length > UUID_TEMPLATE.length) return null;
  for (let i = 0; i < prefix.length; i++) {
    const fits = UUID_TEMPLATE[i] === '-' ? prefix[i] === '-' : /[0-9a-f]/.test(prefix[i]);
    if (!fits) return null;
  }
  const rest = UUID_TEMPLATE.slice(prefix.length);
  return { first: prefix + rest.replace(/x/g, '0'), last: prefix + rest.replace(/x/g, 'f') };
}
