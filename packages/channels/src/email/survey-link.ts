import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { SCORE_RANGES, type SurveyKind } from '@switchboard/contracts';

/** What one email survey link stands for: this score of this survey. */
export interface SurveyLinkClaim {
  surveyId: string;
  kind: SurveyKind;
  score: number;
}

/**
 * The key that signs email survey links, derived from SWITCHBOARD_SECRET_KEY for this purpose
 * only (its own HKDF label): no other secret to configure, and a leaked link key opens neither
 * inbox secrets nor other signed links.
 */
export function surveyLinkKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'switchboard email survey links', 32));
}

const KIND_BYTE: Record<SurveyKind, number> = { csat: 1, nps: 2 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN = /^[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{43}$/;

/**
 * `<payload>.<mac>`, both base64url: the payload is the survey id's 16 bytes, a kind byte and a
 * score byte; the mac is HMAC-SHA256 over the payload. 68 characters, safe in a URL path.
 */
export function signSurveyLink(key: Buffer, claim: SurveyLinkClaim): string {
  if (!UUID.test(claim.surveyId)) throw new Error('a survey id is a lower-case UUID');
  const payload = Buffer.concat([Buffer.from(claim.surveyId.replaceAll('-', ''), 'hex'), Buffer.from([KIND_BYTE[claim.kind], claim.score])]);
  return `${payload.toString('base64url')}.${mac(key, payload).toString('base64url')}`;
}

/** The claim a token vouches for, or undefined when it is malformed or its mac does not match (altered, forged, another key). */
export function readSurveyLink(key: Buffer, token: string): SurveyLinkClaim | undefined {
  if (!TOKEN.test(token)) return undefined;
  const [encoded, signature] = token.split('.') as [string, string];
  const payload = Buffer.from(encoded, 'base64url');
  const given = Buffer.from(signature, 'base64url');
  const wanted = mac(key, payload);
  if (payload.length !== 18 || given.length !== wanted.length || !timingSafeEqual(given, wanted)) return undefined;
  const kind = (Object.keys(KIND_BYTE) as SurveyKind[]).find((k) => KIND_BYTE[k] === payload[16]);
  const score = payload[17]!;
  if (!kind || score < SCORE_RANGES[kind].min || score > SCORE_RANGES[kind].max) return undefined;
  const hex = payload.subarray(0, 16).toString('hex');
  const surveyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { surveyId, kind, score };
}

/** The page a link opens: `<base>/survey/<token>` on the API host. */
export function surveyLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/survey/${token}`;
}

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}
