// The gateway's side of AK/SK signing, for the simulator: checks an incoming request's
// Authorization header as Huawei Cloud's API gateway does (the exporter only signs).
import { timingSafeEqual } from 'node:crypto';
import { canonicalRequest, formatSdkDate, signature, stringToSign } from '../cloud/signer.js';
import { compareCodeUnits } from '../compare.js';

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/** Parses an X-Sdk-Date; undefined unless it is exactly `YYYYMMDDTHHMMSSZ` and a real instant. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls over out-of-range fields (month 13, hour 25): refuse those instead.
  return formatSdkDate(date) === value ? date : undefined;
}

const AUTHORIZATION = /^SDK-HMAC-SHA256 Access=([^\s,]+), SignedHeaders=([^\s,]+), Signature=([0-9a-f]{64})$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** What the gateway knows of an access key: its secret and, for a temporary key, its security token. */
export interface KeyRecord {
  secretKey: string;
  securityToken?: string;
}

/** Checks an incoming request's Authorization header the way the gateway does. A temporary key's
 *  request must carry its X-Security-Token, and sign it. */
export function verifySignature(
  request: {
    method: string;
    url: URL;
    /** node's IncomingHttpHeaders: lower-case names */
    headers: Record<string, string | string[] | undefined>;
    body?: string | Buffer;
  },
  lookupKey: (accessKey: string) => string | KeyRecord | undefined,
  now: Date = new Date(),
  maxSkewMs: number = DEFAULT_MAX_SKEW_MS,
): { ok: true; accessKey: string } | { ok: false; reason: string } {
  const authorization = request.headers['authorization'];
  if (typeof authorization !== 'string') return { ok: false, reason: 'missing Authorization header' };
  const match = AUTHORIZATION.exec(authorization);
  if (!match) return { ok: false, reason: 'malformed Authorization header' };
  const [, accessKey = '', signedList = '', given = ''] = match;

  const found = lookupKey(accessKey);
  if (found === undefined) return { ok: false, reason: `unknown access key ${accessKey}` };
  const key: KeyRecord = typeof found === 'string' ? { secretKey: found } : found;

  const names = signedList.split(';');
  // Signers list the names lower-case, sorted and once each; anything else is not theirs.
  if (!names.every((name, i) => HEADER_NAME.test(name) && (i === 0 || compareCodeUnits(names[i - 1] ?? '', name) < 0))) {
    return { ok: false, reason: 'malformed SignedHeaders' };
  }
  if (!names.includes('x-sdk-date')) return { ok: false, reason: 'x-sdk-date is not a signed header' };
  if (key.securityToken !== undefined) {
    const token = headerValue(request.headers['x-security-token']);
    if (token === undefined) return { ok: false, reason: 'missing X-Security-Token header for a temporary access key' };
    if (!names.includes('x-security-token')) return { ok: false, reason: 'x-security-token is not a signed header' };
    if (!sameText(token, key.securityToken)) return { ok: false, reason: 'X-Security-Token does not belong to the access key' };
  }

  const sdkDate = headerValue(request.headers['x-sdk-date']);
  if (sdkDate === undefined) return { ok: false, reason: 'missing X-Sdk-Date header' };
  const date = parseSdkDate(sdkDate);
  if (!date) return { ok: false, reason: `malformed X-Sdk-Date ${JSON.stringify(sdkDate)}` };
  if (Math.abs(now.getTime() - date.getTime()) > maxSkewMs) {
    return { ok: false, reason: `X-Sdk-Date ${sdkDate} is more than ${maxSkewMs / 1000} s away from the server clock` };
  }

  const signed: Record<string, string> = {};
  for (const name of names) {
    const value = headerValue(request.headers[name]);
    if (value === undefined) return { ok: false, reason: `signed header ${name} is absent` };
    signed[name] = value;
  }
  const canonical = canonicalRequest(request.method, request.url, signed, request.body);
  const expected = Buffer.from(signature(key.secretKey, stringToSign(sdkDate, canonical.text)));
  // Both are 64 hex characters (the pattern above), so timingSafeEqual gets equal lengths.
  if (!timingSafeEqual(expected, Buffer.from(given))) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, accessKey };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
