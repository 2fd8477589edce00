// Huawei Cloud AK/SK request signing, algorithm SDK-HMAC-SHA256 (see docs: "AK/SK signing").
// The official SDK signer drags in axios, lodash and moment, so this is a small node:crypto port.

import { createHash, createHmac } from 'node:crypto';
import { compareCodeUnits } from '../compare.js';

export const ALGORITHM = 'SDK-HMAC-SHA256';

export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
  /** of a temporary key pair: sent as X-Security-Token and signed like the other headers */
  securityToken?: string;
}

export interface SignableRequest {
  /** GET, POST... */
  method: string;
  /** full URL including the query; repeated keys allowed */
  url: URL;
  /** headers to sign besides host and x-sdk-date (e.g. Content-Type, X-Project-Id); any case */
  headers: Record<string, string>;
  /** empty when undefined */
  body?: string | Buffer;
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the X-Sdk-Date format. */
export function formatSdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** The last second formatted: every request signed within one second carries the same date. */
let lastSecond = NaN;
let lastSdkDate = '';

function sdkDateOf(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSdkDate = formatSdkDate(date);
    lastSecond = second;
  }
  return lastSdkDate;
}

/** Only characters that every encoding step below leaves as they are (and `/`, kept in paths). */
const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;
const UNRESERVED_PATH = /^[A-Za-z0-9\-_.~/]*$/;

function isUnreserved(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
    || byte === 0x2d || byte === 0x5f || byte === 0x2e || byte === 0x7e;
}

function encodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let out = '';
  for (const byte of bytes) {
    out += isUnreserved(byte) || (keepSlash && byte === 0x2f)
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** UTF-8 bytes of `value`, every one except `A-Z a-z 0-9 - _ . ~` as upper-case `%XX`.
 *  (encodeURIComponent would leave `! ' ( ) *` alone.) */
export function percentEncode(value: string): string {
  // Ids, page sizes and offsets: nothing to encode, and every request has several.
  return UNRESERVED.test(value) ? value : encodeBytes(Buffer.from(value, 'utf8'), false);
}

/** Bytes of a percent-encoded string; a `%` not followed by two hex digits stays literal. */
function percentDecode(value: string): Buffer {
  return Buffer.concat(value.split(/(%[0-9A-Fa-f]{2})/).map((part) =>
    /^%[0-9A-Fa-f]{2}$/.test(part) ? Buffer.of(parseInt(part.slice(1), 16)) : Buffer.from(part, 'utf8')));
}

/** CanonicalURI of a URL path as sent (`url.pathname`, percent-encoded): decoded, then each
 *  segment encoded with percentEncode, always ending with `/`. Decoding first makes `'` and `%27`
 *  sign the same, as the gateway sees them. */
export function canonicalUri(path: string): string {
  // A path of unreserved characters decodes and encodes to itself.
  const uri = UNRESERVED_PATH.test(path) ? path : encodeBytes(percentDecode(path), true);
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/** CanonicalQuery: keys sorted, values of a repeated key sorted, `k=v` joined with `&`. */
export function canonicalQuery(url: URL): string {
  // searchParams are already decoded (`+` is a space, as the gateway reads it): encode them afresh.
  return [...url.searchParams]
    .sort(([ka, va], [kb, vb]) => compareCodeUnits(ka, kb) || compareCodeUnits(va, vb))
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
}

/** Lower-case names, trimmed values, sorted by name; throws on a name given twice. */
function normaliseHeaders(headers: Record<string, string>): Array<[string, string]> {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (byName.has(lower)) throw new Error(`header "${lower}" given twice`);
    byName.set(lower, value.trim());
  }
  return [...byName].sort(([a], [b]) => compareCodeUnits(a, b));
}

export interface CanonicalRequest {
  /** the canonical request text that is hashed into the string to sign */
  text: string;
  /** lower-case signed header names joined with `;` */
  signedHeaders: string;
}

/** Canonical request of `method url` whose signed headers are exactly `headers` (host and
 *  x-sdk-date included by the caller). */
export function canonicalRequest(method: string, url: URL, headers: Record<string, string>, body?: string | Buffer): CanonicalRequest {
  const sorted = normaliseHeaders(headers);
  const signedHeaders = sorted.map(([name]) => name).join(';');
  const text = [
    method,
    canonicalUri(url.pathname),
    canonicalQuery(url),
    sorted.map(([name, value]) => `${name}:${value}\n`).join(''),
    signedHeaders,
    body === undefined || body.length === 0 ? EMPTY_BODY_SHA256 : sha256Hex(body),
  ].join('\n');
  return { text, signedHeaders };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hash of an empty body: that of every GET. */
const EMPTY_BODY_SHA256 = sha256Hex('');

export function stringToSign(sdkDate: string, canonicalRequestText: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequestText)}`;
}

/** Hex HMAC-SHA256 of the string to sign, keyed with the SK. */
export function signature(secretKey: string, toSign: string): string {
  return createHmac('sha256', secretKey).update(toSign).digest('hex');
}

export type SignedHeaders = {
  'X-Sdk-Date': string;
  Authorization: string;
  'X-Security-Token'?: string;
};

/** Headers to add to the request: X-Sdk-Date (UTC YYYYMMDDTHHMMSSZ), Authorization and, for a
 *  temporary key pair, X-Security-Token. Signs every header in `headers` plus host (from url.host),
 *  x-sdk-date and x-security-token: the official SDK core adds the security token to the request
 *  before signing it (auth/BaseCredentials.js, addAuthHeaders), and the gateway checks it as part
 *  of the signature. */
export function signRequest(
  request: SignableRequest,
  credentials: AkSkCredentials,
  date: Date = new Date(),
): SignedHeaders {
  const sdkDate = sdkDateOf(date);
  for (const name of Object.keys(request.headers)) {
    const lower = name.toLowerCase();
    // These come from url, date and credentials; a second copy would sign something other than what is sent.
    if (lower === 'host' || lower === 'x-sdk-date' || lower === 'x-security-token') {
      throw new Error(`signRequest: "${name}" is set by the signer, not by headers`);
    }
  }
  const token = credentials.securityToken;
  const headers: Record<string, string> = {
    ...request.headers, host: request.url.host, 'x-sdk-date': sdkDate, ...(token !== undefined ? { 'x-security-token': token } : {}),
  };
  const canonical = canonicalRequest(request.method, request.url, headers, request.body);
  const sig = signature(credentials.secretKey, stringToSign(sdkDate, canonical.text));
  return {
    'X-Sdk-Date': sdkDate,
    Authorization: `${ALGORITHM} Access=${credentials.accessKey}, SignedHeaders=${canonical.signedHeaders}, Signature=${sig}`,
    ...(token !== undefined ? { 'X-Security-Token': token } : {}),
  };
}
