// exporter-toolkit's web config file (`--web.config.file` in the Go exporters; `web.config_file`
// here): TLS, client certificates, basic auth, extra response headers and a rate limit, read and
// validated. exporter-server.ts serves with it.
//
// Differences from exporter-toolkit, all on the safe side:
// - a non-empty `tls_server_config` always needs a certificate and a key (Go falls back to plain
//   HTTP when only, say, `min_version` is set);
// - the Verify client auth types need `client_ca_file` (or `client_ca`) rather than falling back
//   to the system roots;
// - bcrypt costs above 17 (htpasswd's limit) are refused: bcrypt in JavaScript would take
//   seconds per check;
// - `rate_limit.burst` must be at least 1 when an interval is set (Go would refuse everything);
// - `http_server_config.http2` is accepted but the server speaks HTTP/1.1 only.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import tls from 'node:tls';
import { inspect } from 'node:util';
import { parseDocument } from 'yaml';
import { bcryptCost, MAX_BCRYPT_COST, MIN_BCRYPT_COST } from './basic-auth.js';

export const AUTH_REALM = 'huaweicloud-db-exporter';

/** Limits applied to every server made here. */
export const SERVER_LIMITS = {
  /** whole request, headers and body */
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  /** idle keep-alive connections; above the usual 60 s scrape interval so connections are reused */
  keepAliveTimeoutMs: 65_000,
  /** idle sockets that have not sent a complete request */
  socketTimeoutMs: 75_000,
  tlsHandshakeTimeoutMs: 10_000,
  maxHeaderSize: 16 * 1024,
  maxRequestsPerSocket: 1000,
  /** how often Node checks the request and headers timeouts */
  connectionsCheckingIntervalMs: 5_000,
} as const;

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const satisfies Record<string, tls.SecureVersion>;
export type TlsVersionName = keyof typeof TLS_VERSIONS;
const TLS_VERSION_NAMES = Object.keys(TLS_VERSIONS) as TlsVersionName[];

// Go's names (crypto/tls CipherSuites(), which exporter-toolkit accepts) and OpenSSL's. Go applies
// `cipher_suites` to TLS 1.0-1.2 only, so the TLS 1.3 names are accepted and have no effect.
const CIPHER_SUITES: Record<string, string | null> = {
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};

const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

/** The headers exporter-toolkit lets a web config add, with the values allowed where they are fixed. */
const EXTRA_HEADERS: Record<string, readonly string[] | null> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

/** PEM text kept out of logs and inspection. */
export class TlsMaterial {
  constructor(
    readonly cert: string,
    readonly key: string,
    readonly clientCa: string | undefined,
  ) {}

  toJSON(): string {
    return '[tls material]';
  }

  [inspect.custom](): string {
    return 'TlsMaterial [tls material]';
  }
}

export interface WebTlsConfig {
  /** absolute paths of the files the material came from (undefined when given inline) */
  certFile: string | undefined;
  keyFile: string | undefined;
  clientCaFile: string | undefined;
  material: TlsMaterial;
  clientAuthType: ClientAuthType;
  minVersion: TlsVersionName;
  maxVersion: TlsVersionName;
  /** OpenSSL names; empty for the defaults */
  ciphers: string[];
  /** OpenSSL group names; empty for the defaults */
  curves: string[];
  preferServerCipherSuites: boolean;
  /** a client certificate must carry one of these SANs (DNS, email, IP or URI); empty for any */
  clientAllowedSans: string[];
}

export interface WebConfig {
  /** absolute path of the file */
  path: string;
  /** undefined: plain HTTP */
  tls: WebTlsConfig | undefined;
  /** user → bcrypt hash; empty: no basic auth */
  basicAuthUsers: ReadonlyMap<string, string>;
  /** extra response headers */
  headers: Readonly<Record<string, string>>;
  /** accepted for compatibility; this server speaks HTTP/1.1 */
  http2: boolean;
  /** undefined: no rate limit */
  rateLimit: { burst: number; intervalMs: number } | undefined;
}

/** An invalid web config: every problem, each starting with the field it concerns. */
export class WebConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'WebConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Loading and validation

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: string[] = [];
  add(field: string, message: string): void {
    this.list.push(`${field}: ${message}`);
  }
}

/** The fields of a section, or undefined (and a problem) if it is not a mapping; null counts as empty. */
function section(value: unknown, field: string, allowed: readonly string[], problems: Problems): Fields | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isFields(value)) {
    problems.add(field, 'must be a mapping');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) problems.add(field === '' ? key : `${field}.${key}`, 'unknown key');
  }
  return value;
}

function optionalString(fields: Fields, key: string, field: string, problems: Problems): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    problems.add(`${field}.${key}`, 'must be a string');
    return undefined;
  }
  return value;
}

function optionalBoolean(fields: Fields, key: string, field: string, fallback: boolean, problems: Problems): boolean {
  const value = fields[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') {
    problems.add(`${field}.${key}`, 'must be true or false');
    return fallback;
  }
  return value;
}

function optionalStringList(fields: Fields, key: string, field: string, problems: Problems): string[] {
  const value = fields[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    problems.add(`${field}.${key}`, 'must be a list of strings');
    return [];
  }
  return value;
}

function oneOf<T extends string>(fields: Fields, key: string, field: string, allowed: readonly T[], fallback: T, problems: Problems): T {
  const value = optionalString(fields, key, field, problems);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    problems.add(`${field}.${key}`, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
    return fallback;
  }
  return value as T;
}

/** Go's time.ParseDuration (units ns, us, µs, ms, s, m, h) in milliseconds; undefined if invalid. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (!/^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    ms += Number(amount) * (unitMs[unit ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(ms) ? ms : undefined;
}

function joinDir(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}

/** A stat-based fingerprint of a file, to notice changes without reading it. */
export async function fileStamp(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    return `!${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** The files a load read (the config file first, then those it names), each stamped before it was read. */
export interface Seen {
  files: string[];
  stamps: string[];
}

async function readText(path: string, field: string, problems: Problems): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    problems.add(field, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function checkCertificates(pem: string, field: string, problems: Problems): X509Certificate | undefined {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    problems.add(field, 'contains no PEM certificate');
    return undefined;
  }
  let first: X509Certificate | undefined;
  for (const [i, block] of blocks.entries()) {
    try {
      const cert = new X509Certificate(block);
      first ??= cert;
    } catch {
      problems.add(field, `certificate ${i + 1} is not a valid X.509 certificate`);
    }
  }
  return first;
}

function checkPrivateKey(pem: string, field: string, problems: Problems): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    problems.add(field, 'is not an unencrypted PEM private key');
    return undefined;
  }
}

async function loadTls(fields: Fields, dir: string, seen: Seen, problems: Problems): Promise<WebTlsConfig | undefined> {
  const field = 'tls_server_config';
  const before = problems.list.length;
  const certFile = optionalString(fields, 'cert_file', field, problems);
  const keyFile = optionalString(fields, 'key_file', field, problems);
  const caFile = optionalString(fields, 'client_ca_file', field, problems);
  const certInline = optionalString(fields, 'cert', field, problems);
  const keyInline = optionalString(fields, 'key', field, problems);
  const caInline = optionalString(fields, 'client_ca', field, problems);
  if (certFile === undefined && certInline === undefined) problems.add(`${field}.cert_file`, 'required when tls_server_config is set');
  if (certFile !== undefined && certInline !== undefined) problems.add(`${field}.cert_file`, 'set cert_file or cert, not both');
  if (keyFile === undefined && keyInline === undefined) problems.add(`${field}.key_file`, 'required when tls_server_config is set');
  if (keyFile !== undefined && keyInline !== undefined) problems.add(`${field}.key_file`, 'set key_file or key, not both');
  if (caFile !== undefined && caInline !== undefined) problems.add(`${field}.client_ca_file`, 'set client_ca_file or client_ca, not both');

  let clientAuthType = oneOf(fields, 'client_auth_type', field, [...CLIENT_AUTH_TYPES, 'RequireClientCert'], 'NoClientCert', problems);
  // exporter-toolkit keeps the old name RequireClientCert for RequireAnyClientCert
  if (clientAuthType === 'RequireClientCert') clientAuthType = 'RequireAnyClientCert';
  const minVersion = oneOf(fields, 'min_version', field, TLS_VERSION_NAMES, 'TLS12', problems);
  const maxVersion = oneOf(fields, 'max_version', field, TLS_VERSION_NAMES, 'TLS13', problems);
  if (TLS_VERSION_NAMES.indexOf(minVersion) > TLS_VERSION_NAMES.indexOf(maxVersion)) {
    problems.add(`${field}.max_version`, `${maxVersion} is below min_version ${minVersion}`);
  }
  const ciphers: string[] = [];
  for (const name of optionalStringList(fields, 'cipher_suites', field, problems)) {
    const openssl = CIPHER_SUITES[name];
    if (openssl === undefined) problems.add(`${field}.cipher_suites`, `unknown cipher suite ${JSON.stringify(name)}`);
    else if (openssl !== null) ciphers.push(openssl);
  }
  const curves: string[] = [];
  for (const name of optionalStringList(fields, 'curve_preferences', field, problems)) {
    const openssl = CURVES[name];
    if (openssl === undefined) problems.add(`${field}.curve_preferences`, `unknown curve ${JSON.stringify(name)}; use ${Object.keys(CURVES).join(', ')}`);
    else curves.push(openssl);
  }
  const preferServerCipherSuites = optionalBoolean(fields, 'prefer_server_cipher_suites', field, true, problems);
  const clientAllowedSans = optionalStringList(fields, 'client_allowed_sans', field, problems);

  const hasCa = caFile !== undefined || caInline !== undefined;
  const caField = `${field}.${caInline !== undefined ? 'client_ca' : 'client_ca_file'}`;
  if (hasCa && clientAuthType === 'NoClientCert') {
    problems.add(caField, 'set but client_auth_type is NoClientCert: set a client_auth_type that asks for client certificates');
  }
  if (!hasCa && (clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert')) {
    problems.add(`${field}.client_ca_file`, `required with client_auth_type ${clientAuthType}`);
  }
  if (clientAllowedSans.length > 0 && clientAuthType !== 'RequireAnyClientCert' && clientAuthType !== 'RequireAndVerifyClientCert') {
    problems.add(`${field}.client_allowed_sans`, 'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert');
  }
  if (problems.list.length > before) return undefined;

  // The material: files relative to the config file's folder, read after their stamps are taken.
  const certPath = certFile === undefined ? undefined : joinDir(dir, certFile);
  const keyPath = keyFile === undefined ? undefined : joinDir(dir, keyFile);
  const caPath = caFile === undefined ? undefined : joinDir(dir, caFile);
  for (const path of [certPath, keyPath, caPath]) {
    if (path === undefined) continue;
    seen.files.push(path);
    seen.stamps.push(await fileStamp(path));
  }
  const certField = `${field}.${certPath ? 'cert_file' : 'cert'}`;
  const keyField = `${field}.${keyPath ? 'key_file' : 'key'}`;
  const certPem = certPath ? await readText(certPath, certField, problems) : certInline;
  const keyPem = keyPath ? await readText(keyPath, keyField, problems) : keyInline;
  const caPem = caPath ? await readText(caPath, caField, problems) : caInline;
  if (problems.list.length > before || certPem === undefined || keyPem === undefined) return undefined;

  const cert = checkCertificates(certPem, certField, problems);
  const key = checkPrivateKey(keyPem, keyField, problems);
  if (cert && key && !cert.checkPrivateKey(key)) problems.add(keyField, `does not belong to the certificate in ${certField.slice(field.length + 1)}`);
  if (caPem !== undefined) checkCertificates(caPem, caField, problems);
  if (problems.list.length > before) return undefined;

  const config: WebTlsConfig = {
    certFile: certPath,
    keyFile: keyPath,
    clientCaFile: caPath,
    material: new TlsMaterial(certPem, keyPem, caPem),
    clientAuthType,
    minVersion,
    maxVersion,
    ciphers,
    curves,
    preferServerCipherSuites,
    clientAllowedSans,
  };
  try {
    tls.createSecureContext(secureContextOptions(config));
  } catch (error) {
    problems.add(field, `rejected by OpenSSL: ${(error as Error).message}`);
    return undefined;
  }
  return config;
}

function loadHttpServerConfig(value: unknown, problems: Problems): { headers: Record<string, string>; http2: boolean } {
  const field = 'http_server_config';
  const fields = section(value, field, ['http2', 'headers'], problems);
  const headers: Record<string, string> = {};
  if (!fields) return { headers, http2: true };
  const http2 = optionalBoolean(fields, 'http2', field, true, problems);
  const raw = section(fields.headers, `${field}.headers`, Object.keys(EXTRA_HEADERS), problems);
  for (const [name, headerValue] of Object.entries(raw ?? {})) {
    const allowedValues = EXTRA_HEADERS[name];
    if (allowedValues === undefined) continue; // reported as an unknown key
    const headerField = `${field}.headers.${name}`;
    if (typeof headerValue !== 'string') problems.add(headerField, 'must be a string');
    else if (!/^[\t\x20-\x7e]*$/.test(headerValue)) problems.add(headerField, 'must be printable ASCII');
    else if (allowedValues && !allowedValues.includes(headerValue)) problems.add(headerField, `must be one of ${allowedValues.join(', ')}`);
    else headers[name] = headerValue;
  }
  return { headers, http2 };
}

function loadUsers(value: unknown, problems: Problems): Map<string, string> {
  const users = new Map<string, string>();
  if (value === undefined || value === null) return users;
  if (!isFields(value)) {
    problems.add('basic_auth_users', 'must be a mapping of user names to bcrypt hashes');
    return users;
  }
  for (const [user, hash] of Object.entries(value)) {
    // The user name is no secret, but the hash is: never echo it.
    const field = `basic_auth_users.${user}`;
    if (typeof hash !== 'string' || bcryptCost(hash) === undefined) {
      problems.add(field, `must be a bcrypt hash ($2a$, $2b$ or $2y$) with a cost from ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST}, as made by htpasswd -nBC 10`);
    } else {
      users.set(user, hash);
    }
  }
  return users;
}

function loadRateLimit(value: unknown, problems: Problems): WebConfig['rateLimit'] {
  const field = 'rate_limit';
  const fields = section(value, field, ['burst', 'interval'], problems);
  if (!fields) return undefined;
  const burstValue = fields.burst ?? 0;
  const intervalValue = fields.interval ?? '0';
  let burst = 0;
  if (typeof burstValue !== 'number' || !Number.isInteger(burstValue) || burstValue < 0) problems.add(`${field}.burst`, 'must be a whole number, 0 or more');
  else burst = burstValue;
  const intervalMs = typeof intervalValue === 'string' ? parseGoDuration(intervalValue) : intervalValue === 0 ? 0 : undefined;
  if (intervalMs === undefined) {
    problems.add(`${field}.interval`, 'must be a duration such as 100ms or 1s');
    return undefined;
  }
  if (intervalMs === 0) return undefined;
  if (burst < 1) {
    problems.add(`${field}.burst`, 'must be at least 1 when interval is set');
    return undefined;
  }
  return { burst, intervalMs };
}

export async function readWebConfig(path: string, seen: Seen): Promise<WebConfig> {
  const absolute = resolve(path);
  seen.files.push(absolute);
  seen.stamps.push(await fileStamp(absolute));
  const problems = new Problems();
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new WebConfigError([`(file): cannot read ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    // Only positions and codes: a YAML error message quotes the source, which may hold a key.
    throw new WebConfigError(document.errors.map((error) => {
      const at = error.linePos?.[0];
      return `(file): invalid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''} (${error.code})`;
    }));
  }
  const root: unknown = document.toJS({ maxAliasCount: 100 });
  const top = section(root, '', ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'], problems);
  if (root !== undefined && root !== null && !top) throw new WebConfigError(['(file): must be a YAML mapping']);
  const fields = top ?? {};

  const tlsFields = section(fields.tls_server_config, 'tls_server_config', [
    'cert_file', 'key_file', 'cert', 'key', 'client_ca_file', 'client_ca', 'client_auth_type', 'min_version', 'max_version',
    'cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites', 'client_allowed_sans',
  ], problems);
  const { headers, http2 } = loadHttpServerConfig(fields.http_server_config, problems);
  const basicAuthUsers = loadUsers(fields.basic_auth_users, problems);
  const rateLimit = loadRateLimit(fields.rate_limit, problems);
  // An empty section means no TLS, as in exporter-toolkit; any field in it means TLS.
  const tlsConfig = tlsFields && Object.keys(tlsFields).length > 0
    ? await loadTls(tlsFields, dirname(absolute), seen, problems)
    : undefined;
  if (problems.list.length > 0) throw new WebConfigError(problems.list);
  return { path: absolute, tls: tlsConfig, basicAuthUsers, headers, http2, rateLimit };
}

/**
 * Parses and validates an exporter-toolkit web config file (YAML), reading the certificate and
 * key files it names (relative to the file's folder) and checking that they fit together.
 * Throws a WebConfigError whose message lists each problem with its field first:
 * `tls_server_config.cert_file: ...`.
 */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  return readWebConfig(path, { files: [], stamps: [] });
}

/** The node:tls options for a TLS configuration. */
export function secureContextOptions(config: WebTlsConfig): tls.SecureContextOptions {
  const options: tls.SecureContextOptions = {
    cert: config.material.cert,
    key: config.material.key,
    minVersion: TLS_VERSIONS[config.minVersion],
    maxVersion: TLS_VERSIONS[config.maxVersion],
    honorCipherOrder: config.preferServerCipherSuites,
  };
  if (config.material.clientCa !== undefined) options.ca = config.material.clientCa;
  if (config.ciphers.length > 0) options.ciphers = config.ciphers.join(':');
  if (config.curves.length > 0) options.ecdhCurve = config.curves.join(':');
  return options;
}

/** Node's per-connection client certificate settings for a client auth type. */
export function clientCertOptions(type: ClientAuthType): { requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    requestCert: type !== 'NoClientCert',
    rejectUnauthorized: type === 'RequireAndVerifyClientCert',
  };
}
