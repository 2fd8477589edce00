import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  percentEncode,
  sha256Hex,
  signature,
  signRequest,
  stringToSign,
  type AkSkCredentials,
} from '../../src/cloud/signer.js';
import { parseSdkDate, verifySignature, type KeyRecord } from '../../src/simulator/verify.js';
import { rng } from '../../src/simulator/fleet.js';

// The official signer (CommonJS) as the oracle; typed here with just what the tests call.
interface OracleRequest {
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  queryParams: Record<string, string | string[]>;
  data?: unknown;
}
interface OracleSigner {
  sign(request: OracleRequest, credential: { getAk(): string; getSk(): string }): Record<string, string>;
  urlEncode(value: string): string;
  CanonicalURI(path: string): string;
}
const { AKSKSigner: oracle } = createRequire(import.meta.url)(
  '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js',
) as { AKSKSigner: OracleSigner };

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SIMPLE: AkSkCredentials = { accessKey: 'AccessKey', secretKey: 'SecretKey' };
const sdkDate = (s: string): Date => parseSdkDate(s) ?? new Date(NaN);

function authOf(accessKey: string, signedHeaders: string, sig: string): string {
  return `SDK-HMAC-SHA256 Access=${accessKey}, SignedHeaders=${signedHeaders}, Signature=${sig}`;
}

describe('test vectors from the API doc', () => {
  it('1: canonical request, its sha256 and the signature', () => {
    const url = new URL('https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0');
    const canonical = canonicalRequest('GET', url, {
      'Content-Type': 'application/json',
      host: url.host,
      'X-Sdk-Date': '20191115T033655Z',
    });
    expect(canonical.text).toBe([
      'GET',
      '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
      'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
      'content-type:application/json',
      'host:service.region.example.com',
      'x-sdk-date:20191115T033655Z',
      '',
      'content-type;host;x-sdk-date',
      EMPTY_SHA256,
    ].join('\n'));
    expect(canonical.signedHeaders).toBe('content-type;host;x-sdk-date');
    expect(sha256Hex(canonical.text)).toBe('b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a');

    const credentials = { accessKey: 'QTWAOYTTINDUT2QVKYUC', secretKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' };
    const expected = '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe';
    expect(signature(credentials.secretKey, stringToSign('20191115T033655Z', canonical.text))).toBe(expected);
    expect(signRequest({ method: 'GET', url, headers: { 'Content-Type': 'application/json' } }, credentials, sdkDate('20191115T033655Z')))
      .toEqual({ 'X-Sdk-Date': '20191115T033655Z', Authorization: authOf('QTWAOYTTINDUT2QVKYUC', 'content-type;host;x-sdk-date', expected) });
  });

  it('2: host not signed, only x-sdk-date; GET and POST with a body', () => {
    const date = '20060102T150405Z';
    const get = canonicalRequest('GET', new URL('http://unused.invalid/path?limit=1'), { 'x-sdk-date': date });
    expect(signature('SecretKey', stringToSign(date, get.text))).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');

    const body = '{"Name":"test","Id":1}\n';
    const expected = 'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59';
    for (const b of [body, Buffer.from(body)]) {
      const post = canonicalRequest('POST', new URL('http://unused.invalid/path?key=value'), { 'x-sdk-date': date }, b);
      expect(signature('SecretKey', stringToSign(date, post.text))).toBe(expected);
    }
    // The gateway accepts such a request: host need not be signed.
    expect(verifySignature({
      method: 'POST',
      url: new URL('http://unused.invalid/path?key=value'),
      headers: { host: 'unused.invalid', 'x-sdk-date': date, authorization: authOf('AccessKey', 'x-sdk-date', expected) },
      body,
    }, (ak) => (ak === 'AccessKey' ? 'SecretKey' : undefined), sdkDate(date))).toEqual({ ok: true, accessKey: 'AccessKey' });
  });

  it('3: host and x-sdk-date signed', () => {
    const url = new URL('https://example.huaweicloud.com/path?limit=1');
    expect(signRequest({ method: 'GET', url, headers: {} }, SIMPLE, sdkDate('20060102T150405Z')).Authorization)
      .toBe(authOf('AccessKey', 'host;x-sdk-date', '7eb88c06474c7197e670e0ae61651746453587eb5fad98074266578511cf3c01'));
  });

  it('4: query encoding', () => {
    const url = new URL('https://example.com/');
    // Appended out of order: keys and the values of a repeated key get sorted.
    for (const [k, v] of [['multi', '3'], ['test', '一 (&=?!#%.*)'], ['limit', '1'], ['multi', '1'], ['path', '/tmp/123'], ['enable', 'true'], ['multi', '2']] as const) {
      url.searchParams.append(k, v);
    }
    expect(canonicalQuery(url)).toBe('enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29');
  });

  it('5: GaussDB and TaurusDB requests', () => {
    const date = sdkDate('20240101T000000Z');
    const session = signRequest({
      method: 'GET',
      url: new URL('https://gaussdb-opengauss.cn-north-4.myhuaweicloud.com/v3/0123456789abcdef0123456789abcdef/instances/abc123in14/session-overview'),
      headers: { 'Content-Type': 'application/json', 'X-Project-Id': '0123456789abcdef0123456789abcdef' },
    }, SIMPLE, date);
    expect(session).toEqual({
      'X-Sdk-Date': '20240101T000000Z',
      Authorization: authOf('AccessKey', 'content-type;host;x-project-id;x-sdk-date', '286e1747f22ca4a21689f20d092286a052a5ad8e094b05653f20557e7d8509f0'),
    });
    const htap = signRequest({
      method: 'GET',
      url: new URL('https://gaussdb.cn-north-4.myhuaweicloud.com/v3/0123456789abcdef0123456789abcdef/instances/abc123in07/htap/process?limit=100&offset=0'),
      headers: { 'Content-Type': 'application/json' },
    }, SIMPLE, date);
    expect(htap.Authorization)
      .toBe(authOf('AccessKey', 'content-type;host;x-sdk-date', 'fdb10cde8a56d7d68e54be01986f2924e40dc413e76b7a5a22c16fdb6b8e0942'));
  });
});

describe('building blocks', () => {
  it('percentEncode leaves only A-Z a-z 0-9 - _ . ~ alone, as upper-case UTF-8 %XX', () => {
    expect(percentEncode("AZaz09-_.~!'()* /+%é😀")).toBe('AZaz09-_.~%21%27%28%29%2A%20%2F%2B%25%C3%A9%F0%9F%98%80');
  });

  it('canonicalUri decodes the wire path, encodes each segment and ends with /', () => {
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('/a/b/')).toBe('/a/b/');
    expect(canonicalUri("/it's/100%25/%c3%a9/a+b")).toBe('/it%27s/100%25/%C3%A9/a%2Bb/');
    expect(canonicalUri('/100%/%zz')).toBe('/100%25/%25zz/');
    expect(canonicalUri(new URL("https://h/a b/it's/é").pathname)).toBe('/a%20b/it%27s/%C3%A9/');
  });

  it('canonicalQuery reads + as a space and keeps empty values and keys', () => {
    expect(canonicalQuery(new URL('https://h/?b=1+2&a&=x&b=%2B'))).toBe('=x&a=&b=%2B&b=1%202');
    expect(canonicalQuery(new URL('https://h/'))).toBe('');
  });

  it('header names are lower-cased and sorted, values trimmed; a name given twice is refused', () => {
    const url = new URL('https://h/');
    const a = canonicalRequest('GET', url, { 'X-B': '  v  w ', 'x-a': '1' });
    expect(a.signedHeaders).toBe('x-a;x-b');
    expect(a.text.split('\n').slice(3, 5)).toEqual(['x-a:1', 'x-b:v  w']);
    expect(() => canonicalRequest('GET', url, { 'X-A': '1', 'x-a': '2' })).toThrow(/given twice/);
  });

  it('signRequest refuses host or x-sdk-date in headers: it sets them itself', () => {
    const url = new URL('https://h/');
    expect(() => signRequest({ method: 'GET', url, headers: { Host: 'h' } }, SIMPLE)).toThrow(/set by the signer/);
    expect(() => signRequest({ method: 'GET', url, headers: { 'X-Sdk-Date': '20240101T000000Z' } }, SIMPLE)).toThrow(/set by the signer/);
  });

  it('dates every signature by its own second, however many fall in one and in whatever order', () => {
    const url = new URL('https://gaussdb.example/v3/p/instances/i/session-overview');
    const dates = ['2024-01-02T03:04:05.001Z', '2024-01-02T03:04:05.999Z', '2024-01-02T03:04:06.000Z', '2024-01-02T03:04:05.500Z', '2023-12-31T23:59:59.999Z'];
    const signed = dates.map((iso) => signRequest({ method: 'GET', url, headers: {} }, SIMPLE, new Date(iso))['X-Sdk-Date']);
    expect(signed).toEqual(['20240102T030405Z', '20240102T030405Z', '20240102T030406Z', '20240102T030405Z', '20231231T235959Z']);
  });

  it('X-Sdk-Date format and strict parsing', () => {
    expect(formatSdkDate(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe('20240102T030405Z');
    expect(parseSdkDate('20240102T030405Z')?.getTime()).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    for (const bad of ['20241302T030405Z', '20240230T000000Z', '20240102T250000Z', '20240102T030405', '2024-01-02T03:04:05Z', ' 20240102T030405Z', '']) {
      expect(parseSdkDate(bad)).toBeUndefined();
    }
  });
});

describe('verifySignature refuses', () => {
  const date = sdkDate('20240101T000000Z');
  const url = new URL('https://gaussdb.example.com/v3/p/instances?limit=1');
  const secrets = (ak: string): string | undefined => (ak === 'AccessKey' ? 'SecretKey' : undefined);
  const signed = signRequest({ method: 'GET', url, headers: { 'X-Project-Id': 'p' } }, SIMPLE, date);
  const good = { host: url.host, 'x-project-id': 'p', 'x-sdk-date': signed['X-Sdk-Date'], authorization: signed.Authorization };
  const check = (headers: Record<string, string | undefined>, now = date) => verifySignature({ method: 'GET', url, headers }, secrets, now);
  const sig = signed.Authorization.slice(-64);

  it('nothing when all is right', () => {
    expect(check(good)).toEqual({ ok: true, accessKey: 'AccessKey' });
  });

  it.each([
    ['a missing Authorization', { authorization: undefined }, /missing Authorization/],
    ['a garbled Authorization', { authorization: 'SDK-HMAC-SHA256 Access=AccessKey Signature=x' }, /malformed Authorization/],
    ['another algorithm', { authorization: signed.Authorization.replace('SDK-HMAC-SHA256', 'V11-HMAC-SHA256') }, /malformed Authorization/],
    ['an upper-case signature', { authorization: signed.Authorization.replace(/[0-9a-f]{64}$/, (s) => s.toUpperCase()) }, /malformed Authorization/],
    ['an unknown AK', { authorization: signed.Authorization.replace('AccessKey', 'Other') }, /unknown access key/],
    ['a missing X-Sdk-Date', { 'x-sdk-date': undefined }, /missing X-Sdk-Date/],
    ['a garbled X-Sdk-Date', { 'x-sdk-date': '2024-01-01T00:00:00Z' }, /malformed X-Sdk-Date/],
    ['an impossible X-Sdk-Date', { 'x-sdk-date': '20241301T000000Z' }, /malformed X-Sdk-Date/],
    ['x-sdk-date not signed', { authorization: authOf('AccessKey', 'host;x-project-id', sig) }, /x-sdk-date is not a signed header/],
    ['unsorted SignedHeaders', { authorization: authOf('AccessKey', 'x-project-id;host;x-sdk-date', sig) }, /malformed SignedHeaders/],
    ['a repeated SignedHeaders name', { authorization: authOf('AccessKey', 'host;host;x-project-id;x-sdk-date', sig) }, /malformed SignedHeaders/],
    ['an upper-case SignedHeaders name', { authorization: authOf('AccessKey', 'Host;x-project-id;x-sdk-date', sig) }, /malformed SignedHeaders/],
    ['a signed header that is absent', { 'x-project-id': undefined }, /signed header x-project-id is absent/],
    ['a wrong signature', { authorization: authOf('AccessKey', 'host;x-project-id;x-sdk-date', '0'.repeat(64)) }, /signature mismatch/],
    ['a changed signed header', { 'x-project-id': 'q' }, /signature mismatch/],
  ] as Array<[string, Record<string, string | undefined>, RegExp]>)('%s', (_name, change, reason) => {
    const result = check({ ...good, ...change });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('a clock skew over 15 minutes, either way', () => {
    const minutes15 = 15 * 60 * 1000;
    expect(check(good, new Date(date.getTime() + minutes15)).ok).toBe(true);
    expect(check(good, new Date(date.getTime() - minutes15)).ok).toBe(true);
    for (const skew of [minutes15 + 1000, -minutes15 - 1000]) {
      const result = check(good, new Date(date.getTime() + skew));
      expect(result.ok ? '' : result.reason).toMatch(/away from the server clock/);
    }
    expect(verifySignature({ method: 'GET', url, headers: good }, secrets, new Date(date.getTime() + 61_000), 60_000).ok).toBe(false);
  });
});

describe('a temporary key', () => {
  const date = sdkDate('20240101T000000Z');
  const url = new URL('https://gaussdb.example.com/v3/p/instances?limit=1');
  const temporary = { accessKey: 'TEMPAK', secretKey: 'TempSecret', securityToken: 'gQpzZXNzaW9uLXRva2Vu' };
  const keys = (ak: string): KeyRecord | undefined => (ak === 'TEMPAK' ? { secretKey: 'TempSecret', securityToken: temporary.securityToken } : undefined);
  const signed = signRequest({ method: 'GET', url, headers: { 'X-Project-Id': 'p' } }, temporary, date);
  const good = {
    host: url.host, 'x-project-id': 'p', 'x-sdk-date': signed['X-Sdk-Date'], authorization: signed.Authorization, 'x-security-token': temporary.securityToken,
  };
  const check = (headers: Record<string, string | undefined>) => verifySignature({ method: 'GET', url, headers }, keys, date);

  it('sends its security token and signs it', () => {
    expect(signed['X-Security-Token']).toBe(temporary.securityToken);
    expect(signed.Authorization).toContain('SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,');
    expect(check(good)).toEqual({ ok: true, accessKey: 'TEMPAK' });
  });

  it.each([
    ['without the token', { 'x-security-token': undefined }, /missing X-Security-Token/],
    ['with another key\'s token', { 'x-security-token': 'b3RoZXI' }, /does not belong to the access key/],
    ['with the token left out of the signature', {
      authorization: signRequest({ method: 'GET', url, headers: { 'X-Project-Id': 'p' } }, { accessKey: 'TEMPAK', secretKey: 'TempSecret' }, date).Authorization,
    }, /x-security-token is not a signed header/],
  ] as Array<[string, Record<string, string | undefined>, RegExp]>)('is refused %s', (_name, change, reason) => {
    const result = check({ ...good, ...change });
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random requests from a seeded PRNG (the simulator's mulberry32), so any failure replays.

class Gen {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  string(alphabet: readonly string[], maxLength: number, minLength = 0): string {
    let s = '';
    for (let n = minLength + this.int(maxLength - minLength + 1); n > 0; n--) s += this.pick(alphabet);
    return s;
  }
}

const chars = (s: string): string[] => Array.from(s);
const ALNUM = chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
const UNRESERVED = [...ALNUM, ...chars('-_.~')];
const UNICODE = chars('éüßΩ€一中文😀𝒳\u00a0\ue000\uffee');
// Printable ASCII that is not unreserved; ' and space included.
const RESERVED = chars(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}");
// What the legacy url.parse in the oracle leaves as it is in a path (it escapes space, ' " < > \ ^ ` { | }
// itself, and ? # end the path); the oracle's own CanonicalURI is checked on the rest separately.
const ORACLE_PATH = chars("!$%&()*+,/:;=@[]");
// url.parse also trims a no-break space at the end of the whole URL, losing it from the path.
const ORACLE_UNICODE = UNICODE.filter((c) => c !== '\u00a0');
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
// No explicit default port: url.parse keeps "host:443" where URL (and the Host header sent) drop it.
const HOSTS = ['example.com', 'Gaussdb.CN-North-4.MyHuaweiCloud.com', '127.0.0.1:8443', 'localhost:9000', 'a-b.example.org:1'];

/** A path segment as a client would put it on the wire: some characters raw, the rest as %XX. */
function wireEncode(g: Gen, decoded: string, rawOk: RegExp): string {
  return chars(decoded).map((ch) => {
    if (rawOk.test(ch) && g.chance(0.5)) return ch;
    // Percent-encoded (sometimes even an unreserved character), in either hex case.
    const escaped = Buffer.from(ch, 'utf8').toString('hex').replace(/../g, '%$&');
    return g.chance(0.5) ? escaped.toLowerCase() : escaped.toUpperCase();
  }).join('');
}

const PATH_RAW_OK = /^[A-Za-z0-9\-_.~!$&'()*+,;=:@]$|^[^\x00-\x7f]$/u;
const QUERY_RAW_OK = /^[A-Za-z0-9\-_.~!'()*,;:@$/?]$/;

interface RandomRequest {
  method: string;
  host: string;
  scheme: string;
  /** decoded path segments */
  segments: string[];
  /** decoded query pairs, in the order they are sent */
  query: Array<[string, string]>;
  headers: Record<string, string>;
  /** the body, sent as JSON.stringify(json) */
  json?: unknown;
  date: Date;
  credentials: AkSkCredentials;
}

function randomJson(g: Gen, depth: number, text: readonly string[]): unknown {
  const kind = g.int(depth > 0 ? 6 : 4);
  if (kind === 0) return g.string(text, 8);
  if (kind === 1) return g.int(2_000_000) - 1_000_000;
  if (kind === 2) return g.pick([true, false, null, 1.5, -0.25]);
  if (kind === 3) return g.string(text, 3);
  if (kind === 4) return Array.from({ length: g.int(4) }, () => randomJson(g, depth - 1, text));
  return randomObject(g, depth - 1, text);
}

function randomObject(g: Gen, depth: number, text: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let n = g.int(4); n > 0; n--) o[g.string(text, 6, 1)] = randomJson(g, depth, text);
  return o;
}

function randomRequest(g: Gen, pathAlphabet: readonly string[]): RandomRequest {
  const segments: string[] = [];
  for (let n = g.int(6); n > 0; n--) {
    let s = g.string(pathAlphabet, 8);
    // A client's URL resolves "." and ".." segments away before sending: never generate them.
    if (s === '.' || s === '..') s += 'x';
    segments.push(s);
  }
  if (segments.length > 0 && g.chance(0.2)) segments.push(''); // trailing slash

  const queryAlphabet = [...UNRESERVED, ...UNICODE, ...RESERVED];
  const query: Array<[string, string]> = [];
  for (let n = g.int(6); n > 0; n--) {
    const key = g.chance(0.3) && query.length > 0 ? g.pick(query)[0] : g.string(queryAlphabet, 6);
    query.push([key, g.chance(0.15) ? '' : g.string(queryAlphabet, 10)]);
  }

  const headers: Record<string, string> = {};
  const taken = new Set(['host', 'x-sdk-date', 'authorization']);
  // The oracle sorts canonical headers with localeCompare (which puts _ before -) but SignedHeaders
  // by code unit; names of [a-z0-9-] sort the same both ways, and are what real headers look like.
  const nameAlphabet = chars('abcdefghijklmnopqrstuvwxyz0123456789-');
  // The oracle does not trim header values, so values have no surrounding whitespace here.
  const valueAlphabet = chars('!"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~');
  for (let n = g.int(5); n > 0; n--) {
    const name = g.pick(['Content-Type', 'X-Project-Id', 'X-Language', `x-${g.string(nameAlphabet, 10, 1)}`]);
    const cased = chars(name).map((c) => (g.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
    if (taken.has(name.toLowerCase())) continue;
    taken.add(name.toLowerCase());
    const value = g.string(valueAlphabet, 6, 1) + (g.chance(0.5) ? ` ${g.string(valueAlphabet, 6, 1)}  ${g.string(valueAlphabet, 3, 1)}` : '');
    headers[cased] = value;
  }

  const jsonText = [...UNRESERVED, ...UNICODE, ...RESERVED, '\n', '\t', '\u0001'];
  return {
    method: g.pick(METHODS),
    scheme: g.pick(['http', 'https']),
    host: g.pick(HOSTS),
    segments,
    query,
    headers,
    // The oracle hashes JSON.stringify(data) and skips falsy data, so a body reaches it only as a
    // JSON object or array (what the SDK sends); raw byte bodies are covered by the round trip.
    json: g.chance(0.5) ? (g.chance(0.7) ? randomObject(g, 3, jsonText) : [randomJson(g, 2, jsonText)]) : undefined,
    date: new Date(Date.UTC(2000, 0, 1) + g.int(100 * 365 * 24 * 3600) * 1000),
    credentials: {
      accessKey: g.string(ALNUM, 20, 20).toUpperCase(),
      secretKey: g.string(ALNUM, 40, 40),
      // Half are temporary keys: their security token (opaque base64url text) is signed too.
      ...(g.chance(0.5) ? { securityToken: g.string([...ALNUM, '-', '_', '='], 600, 1) } : {}),
    },
  };
}

/** The URL a client would send for `r`, with a randomly chosen (but equivalent) wire encoding. */
function wireUrl(g: Gen, r: RandomRequest): URL {
  const path = '/' + r.segments.map((s) => wireEncode(g, s, PATH_RAW_OK)).join('/');
  const url = new URL(`${r.scheme}://${r.host}${path}`);
  if (g.chance(0.5)) {
    for (const [k, v] of r.query) url.searchParams.append(k, v);
  } else if (r.query.length > 0) {
    const form = (s: string): string => chars(s).map((ch) => (ch === ' ' && g.chance(0.5) ? '+' : wireEncode(g, ch, QUERY_RAW_OK))).join('');
    // The leading '?' is explicit: URL drops one from the value, which could be the first key's own.
    url.search = '?' + r.query.map(([k, v]) => (v === '' && k !== '' && g.chance(0.5) ? form(k) : `${form(k)}=${form(v)}`)).join('&');
  }
  return url;
}

function oracleAuthorization(r: RandomRequest): string | undefined {
  const queryParams: Record<string, string | string[]> = {};
  for (const [k, v] of r.query) {
    const seen = queryParams[k];
    queryParams[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  const request: OracleRequest = {
    endpoint: `${r.scheme}://${r.host}/${r.segments.join('/')}`,
    method: r.method,
    // The SDK core adds X-Security-Token to the request before it signs (BaseCredentials.addAuthHeaders).
    headers: {
      ...r.headers, 'X-Sdk-Date': formatSdkDate(r.date),
      ...(r.credentials.securityToken !== undefined ? { 'X-Security-Token': r.credentials.securityToken } : {}),
    },
    queryParams,
  };
  if (r.json !== undefined) request.data = r.json;
  return oracle.sign(request, { getAk: () => r.credentials.accessKey, getSk: () => r.credentials.secretKey })['Authorization'];
}

const ITERATIONS = Number(process.env['SIGNER_ITERATIONS'] ?? 400);

describe('against the official SDK signer', () => {
  it(`${ITERATIONS} random requests sign the same, half of them with a security token`, () => {
    const g = new Gen(0x5eed);
    let withToken = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const r = randomRequest(g, [...UNRESERVED, ...ORACLE_UNICODE, ...ORACLE_PATH]);
      const url = wireUrl(g, r);
      const body = r.json === undefined ? undefined : JSON.stringify(r.json);
      const ours = signRequest({ method: r.method, url, headers: r.headers, body }, r.credentials, r.date);
      expect({ i, url: url.href, auth: ours.Authorization }).toEqual({ i, url: url.href, auth: oracleAuthorization(r) });
      expect(ours['X-Sdk-Date']).toBe(formatSdkDate(r.date));
      expect(ours['X-Security-Token']).toBe(r.credentials.securityToken);
      if (r.credentials.securityToken !== undefined) {
        withToken++;
        expect(ours.Authorization).toMatch(/SignedHeaders=[^,]*\bx-security-token\b/);
      }
    }
    expect(withToken).toBeGreaterThan(ITERATIONS / 3);
  });

  it('percentEncode matches its urlEncode on every kind of character', () => {
    const g = new Gen(1);
    const alphabet = [...UNRESERVED, ...UNICODE, ...RESERVED, '\n', '\t', '\u0000', '\u007f'];
    for (let i = 0; i < ITERATIONS; i++) {
      const s = g.string(alphabet, 20);
      expect({ s, ours: percentEncode(s) }).toEqual({ s, ours: oracle.urlEncode(s) });
    }
  });

  it('canonicalUri of the wire path matches its CanonicalURI of the decoded path, spaces and quotes included', () => {
    const g = new Gen(2);
    const alphabet = [...UNRESERVED, ...UNICODE, ...RESERVED];
    for (let i = 0; i < ITERATIONS; i++) {
      const r = randomRequest(g, alphabet);
      const url = wireUrl(g, r);
      const decoded = '/' + r.segments.join('/');
      expect({ decoded, ours: canonicalUri(url.pathname) }).toEqual({ decoded, ours: oracle.CanonicalURI(decoded) });
    }
  });
});

describe('round trip through verifySignature', () => {
  type Check = Parameters<typeof verifySignature>[0];

  /** Changes one character of `s` (by code point) to a different alphanumeric, or appends one. */
  function mutate(g: Gen, s: string): string {
    const cs = chars(s);
    if (cs.length === 0) return g.pick(ALNUM);
    const at = g.int(cs.length);
    cs[at] = g.pick(ALNUM.filter((c) => c !== cs[at]));
    return cs.join('');
  }

  it(`${ITERATIONS} random requests verify, and fail once any signed part changes`, () => {
    const g = new Gen(0xacce55);
    const mutations = ['method', 'path', 'query', 'header', 'host', 'body', 'date', 'signature', 'drop header'] as const;
    const failures = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const r = randomRequest(g, [...UNRESERVED, ...UNICODE, ...RESERVED]);
      const url = wireUrl(g, r);
      // Any bytes: the round trip has no JSON restriction. Header values may carry surrounding spaces.
      const body = g.chance(0.5) ? undefined : Buffer.from(Array.from({ length: g.int(40) }, () => g.int(256)));
      const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, g.chance(0.3) ? `  ${v} ` : v]));
      const signed = signRequest({ method: r.method, url, headers, body }, r.credentials, r.date);

      const incoming: Check = {
        method: r.method,
        url,
        headers: {
          ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
          host: url.host,
          'x-sdk-date': signed['X-Sdk-Date'],
          authorization: signed.Authorization,
          ...(signed['X-Security-Token'] !== undefined ? { 'x-security-token': signed['X-Security-Token'] } : {}),
          'x-unsigned': 'anything',
        },
        body,
      };
      const key = { secretKey: r.credentials.secretKey, securityToken: r.credentials.securityToken };
      const secrets = (ak: string): KeyRecord | undefined => (ak === r.credentials.accessKey ? key : undefined);
      const skew = (g.int(2 * 15 * 60 + 1) - 15 * 60) * 1000;
      expect({ i, result: verifySignature(incoming, secrets, new Date(r.date.getTime() + skew)) })
        .toEqual({ i, result: { ok: true, accessKey: r.credentials.accessKey } });
      expect(verifySignature(incoming, secrets, new Date(r.date.getTime() + 15 * 60 * 1000 + 1000)).ok).toBe(false);

      const mutation = g.pick(mutations);
      const changed: Check = { ...incoming, headers: { ...incoming.headers } };
      switch (mutation) {
        case 'method':
          changed.method = mutate(g, r.method);
          break;
        case 'path': {
          const segments = r.segments.length > 0 ? [...r.segments] : [''];
          const at = g.int(segments.length);
          segments[at] = mutate(g, segments[at] ?? '');
          changed.url = wireUrl(g, { ...r, segments });
          break;
        }
        case 'query': {
          const query = r.query.map(([k, v]): [string, string] => [k, v]);
          const at = g.int(query.length + 1);
          const pair = query[at];
          if (pair === undefined) query.push([mutate(g, ''), '']);
          else {
            const side = g.int(2);
            pair[side] = mutate(g, pair[side] ?? '');
          }
          changed.url = wireUrl(g, { ...r, query });
          break;
        }
        case 'header': {
          const name = g.pick(Object.keys(changed.headers).filter((k) => !['authorization', 'x-unsigned', 'x-sdk-date'].includes(k)));
          changed.headers[name] = mutate(g, String(changed.headers[name]));
          break;
        }
        case 'host':
          changed.headers['host'] = mutate(g, url.host);
          break;
        case 'body': {
          const bytes = Buffer.from(body ?? Buffer.alloc(0));
          changed.body = bytes.length === 0 ? Buffer.of(g.int(256)) : bytes;
          const at = g.int(bytes.length);
          if (bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 + g.int(255));
          break;
        }
        case 'date':
          changed.headers['x-sdk-date'] = formatSdkDate(new Date(r.date.getTime() + (g.chance(0.5) ? 1000 : -1000)));
          break;
        case 'signature':
          changed.headers['authorization'] = signed.Authorization.replace(/[0-9a-f](?=[0-9a-f]{0,63}$)/, (c) => (c === '0' ? '1' : '0'));
          break;
        case 'drop header':
          delete changed.headers[g.pick(Object.keys(changed.headers).filter((k) => k !== 'authorization' && k !== 'x-unsigned'))];
          break;
      }
      const result = verifySignature(changed, secrets, r.date);
      expect({ i, mutation, ok: result.ok }).toEqual({ i, mutation, ok: false });
      failures.set(mutation, (failures.get(mutation) ?? 0) + 1);
    }
    // Every kind of change was tried.
    expect([...failures.keys()].sort()).toEqual([...mutations].sort());
  });
});
