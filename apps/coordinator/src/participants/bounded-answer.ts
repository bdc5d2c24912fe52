/**
 * Most bytes of a participant's answer the coordinator reads. Only the
 * status decides the outcome; the body gives a problem's code and detail,
 * which are clipped to 500 characters anyway.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Reads at most `limit` bytes of a response body as UTF-8 and abandons the
 * rest, so a participant that answers with an endless or huge body cannot
 * fill the coordinator's memory or hold a call until its timeout.
 */
export async function readBounded(
  body: AsyncIterable<Uint8Array>,
  limit = MAX_ANSWER_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const piece = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.length, limit - size));
    chunks.push(piece);
    size += piece.length;
    // Leaving the loop destroys the stream, which closes the connection.
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
