import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Public links to one blob, for platforms that fetch a reply's file by URL (Twilio MMS):
 * `<base>/media/<sha256>?exp=<unix s>&sig=<base64url HMAC>`, valid until `exp`. The key is derived
 * from SWITCHBOARD_SECRET_KEY for this purpose only, so no other secret needs configuring.
 */
export function blobUrlKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'switchboard public blob links', 32));
}

export function signBlobUrl(base: string, blobKey: string, key: Buffer, expiresAt: Date): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `${base.replace(/\/+$/, '')}/media/${blobKey}?exp=${exp}&sig=${mac(blobKey, exp, key)}`;
}

/** Whether `sig` vouches for `blobKey` until `exp`, and `exp` is still ahead of `now`. */
export function isBlobUrlValid(blobKey: string, exp: string | undefined, sig: string | undefined, key: Buffer, now = new Date()): boolean {
  if (!exp || !/^\d{1,12}$/.test(exp) || !sig) return false;
  if (Number(exp) * 1000 < now.getTime()) return false;
  const given = Buffer.from(sig, 'base64url');
  const wanted = Buffer.from(mac(blobKey, Number(exp), key), 'base64url');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function mac(blobKey: string, exp: number, key: Buffer): string {
  return createHmac('sha256', key).update(`${blobKey}\n${exp}`).digest('base64url');
}
