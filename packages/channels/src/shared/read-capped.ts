import { PermanentError } from '@switchboard/errors';

/**
 * Reads a download's body, giving up as soon as it passes `maxBytes` (a Content-Length that was
 * missing or lied): PermanentError `attachment_too_large`. Anything else the stream throws (a reset
 * connection, a timeout) goes through `classify`, the channel's own error mapping.
 */
export async function readCapped(res: Response, maxBytes: number, classify: (error: unknown) => Error): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(declared, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.length;
      if (total > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw tooLarge(total, maxBytes);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    throw classify(error);
  }
  return Buffer.concat(chunks);
}

export function tooLarge(size: number, maxBytes: number): PermanentError {
  return new PermanentError('attachment_too_large', `the file has ${size} bytes or more, over the limit of ${maxBytes}`);
}
