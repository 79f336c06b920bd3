/** Reading GitHub's answers: shared by every part that fetches from it. */

/** GitHub answered 404: the thing is not there (or not visible to the installation). */
export const isNotFound = (error: unknown): boolean =>
  typeof error === "object" && error !== null && (error as { status?: unknown }).status === 404;

/**
 * At most `max` bytes of a response body streamed in; null when there are more, and the rest
 * is not read: a huge file costs the limit, not its size.
 */
export async function readAtMost(
  body: ReadableStream<Uint8Array>,
  max: number,
): Promise<Buffer | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
