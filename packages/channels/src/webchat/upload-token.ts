import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SignatureError } from '@switchboard/errors';

/** A file a visitor uploaded, as its upload token vouches for it. */
export interface VisitorUpload {
  visitorId: string;
  blobKey: string;
  fileName: string;
  contentType: string;
  size: number;
}

const Claims = z.object({
  v: z.string(),
  k: z.string().regex(/^[0-9a-f]{64}$/),
  f: z.string().max(255),
  t: z.string().max(200),
  s: z.number().int().nonnegative(),
});

/**
 * `base64url(claims).base64url(HMAC)`, signed with the inbox's visitor-token key under its own
 * label. A message may only carry files its own visitor uploaded: a blob key alone grants nothing.
 */
export function signUploadToken(upload: VisitorUpload, key: Buffer): string {
  const claims = { v: upload.visitorId, k: upload.blobKey, f: upload.fileName, t: upload.contentType, s: upload.size };
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${body}.${mac(body, key).toString('base64url')}`;
}

/** The upload behind `token`; throws SignatureError when it is forged or another visitor's. */
export function verifyUploadToken(token: string, key: Buffer, visitorId: string): VisitorUpload {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw new SignatureError('malformed upload token');
  const given = Buffer.from(signature, 'base64url');
  const wanted = mac(body, key);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new SignatureError('invalid upload token');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new SignatureError('malformed upload token');
  }
  const claims = Claims.safeParse(parsed);
  if (!claims.success) throw new SignatureError('malformed upload token');
  if (claims.data.v !== visitorId) throw new SignatureError('the upload belongs to another visitor');
  return { visitorId, blobKey: claims.data.k, fileName: claims.data.f, contentType: claims.data.t, size: claims.data.s };
}

function mac(body: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(`upload\n${body}`).digest();
}
