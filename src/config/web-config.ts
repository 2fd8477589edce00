// exporter-toolkit's web config file (`--web.config.file` in the Go exporters; `web.config_file`
// here): TLS, client certificates, basic auth, extra response headers and a rate limit. Read and
// validated like the exporter's own file (the same YAML reading, zod, error map and problem
// paths: `tls_server_config.cert_file: ...`); the certificate and key files it names are read
// and checked afterwards (tls-material.ts). src/server/exporter-server.ts serves with it.
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
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { bcryptCost, MAX_BCRYPT_COST, MIN_BCRYPT_COST } from '../server/basic-auth.js';
import { inFileOrder, issueProblems, parseYaml } from './document.js';
import { durationSchema } from './duration.js';
import { configErrorMap } from './error-map.js';
import { list, section } from './fields.js';
import { fileError, fileStamp, MAX_CONFIG_FILE_BYTES, readSmallFile, type Seen } from './files.js';
import { ConfigError, type Problem } from './problems.js';
import { readTlsMaterial, TLS_VERSIONS, type TlsMaterial, type TlsVersionName } from './tls-material.js';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSION_NAMES = Object.keys(TLS_VERSIONS) as [TlsVersionName, ...TlsVersionName[]];

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
const EXTRA_HEADERS: Record<string, readonly [string, ...string[]] | null> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

/** `tls_server_config` as written, checked, before its files are read. */
export interface TlsSettings {
  certFile: string | undefined;
  keyFile: string | undefined;
  clientCaFile: string | undefined;
  /** inline PEM, the alternatives to the three files */
  cert: string | undefined;
  key: string | undefined;
  clientCa: string | undefined;
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

export interface WebTlsConfig extends Omit<TlsSettings, 'cert' | 'key' | 'clientCa'> {
  /** absolute paths of the files the material came from (undefined when given inline) */
  certFile: string | undefined;
  keyFile: string | undefined;
  clientCaFile: string | undefined;
  material: TlsMaterial;
}

/** The web config file, validated, its TLS material read. */
export interface WebConfigFile {
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
export class WebConfigError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.name = 'WebConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// The schema

/** Blank (null or "") is as good as absent, as Go's YAML decoder leaves the zero value. */
function blankIsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null || value === '' ? undefined : value), schema);
}

const text = () => blankIsAbsent(z.string().optional());
const flag = (fallback: boolean) => blankIsAbsent(z.boolean().default(fallback));
const stringList = () => list(z.string());
const tlsVersion = (fallback: TlsVersionName) => blankIsAbsent(z.enum(TLS_VERSION_NAMES).default(fallback));

/** Go names → OpenSSL names through `table`, a problem for each name it does not know. */
function translated(names: string[], table: Record<string, string | null>, unknown: (name: string) => string, path: string, ctx: z.RefinementCtx): string[] {
  const out: string[] = [];
  for (const name of names) {
    const openssl = table[name];
    if (openssl === undefined) ctx.addIssue({ code: 'custom', path: [path], message: unknown(name) });
    else if (openssl !== null) out.push(openssl);
  }
  return out;
}

const tlsSchema = z
  .strictObject({
    cert_file: text(),
    key_file: text(),
    cert: text(),
    key: text(),
    client_ca_file: text(),
    client_ca: text(),
    client_auth_type: blankIsAbsent(z.enum([...CLIENT_AUTH_TYPES, 'RequireClientCert']).default('NoClientCert')),
    min_version: tlsVersion('TLS12'),
    max_version: tlsVersion('TLS13'),
    cipher_suites: stringList(),
    curve_preferences: stringList(),
    prefer_server_cipher_suites: flag(true),
    client_allowed_sans: stringList(),
  })
  .transform((tls, ctx): TlsSettings => {
    const pair = (file: 'cert_file' | 'key_file' | 'client_ca_file', inline: string, required: boolean): void => {
      const hasFile = tls[file] !== undefined;
      const hasInline = (tls as Record<string, unknown>)[inline] !== undefined;
      if (hasFile && hasInline) ctx.addIssue({ code: 'custom', path: [file], message: `set ${file} or ${inline}, not both` });
      else if (required && !hasFile && !hasInline) ctx.addIssue({ code: 'custom', path: [file], message: 'required when tls_server_config is set' });
    };
    pair('cert_file', 'cert', true);
    pair('key_file', 'key', true);
    pair('client_ca_file', 'client_ca', false);
    // exporter-toolkit keeps the old name RequireClientCert for RequireAnyClientCert
    const clientAuthType = tls.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : tls.client_auth_type;
    if (TLS_VERSION_NAMES.indexOf(tls.min_version) > TLS_VERSION_NAMES.indexOf(tls.max_version)) {
      ctx.addIssue({ code: 'custom', path: ['max_version'], message: `${tls.max_version} is below min_version ${tls.min_version}` });
    }
    const ciphers = translated(tls.cipher_suites, CIPHER_SUITES, (name) => `unknown cipher suite ${JSON.stringify(name)}`, 'cipher_suites', ctx);
    const curves = translated(tls.curve_preferences, CURVES,
      (name) => `unknown curve ${JSON.stringify(name)}; use ${Object.keys(CURVES).join(', ')}`, 'curve_preferences', ctx);

    const hasCa = tls.client_ca_file !== undefined || tls.client_ca !== undefined;
    if (hasCa && clientAuthType === 'NoClientCert') {
      ctx.addIssue({
        code: 'custom',
        path: [tls.client_ca !== undefined ? 'client_ca' : 'client_ca_file'],
        message: 'set but client_auth_type is NoClientCert: set a client_auth_type that asks for client certificates',
      });
    }
    if (!hasCa && (clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert')) {
      ctx.addIssue({ code: 'custom', path: ['client_ca_file'], message: `required with client_auth_type ${clientAuthType}` });
    }
    if (tls.client_allowed_sans.length > 0 && clientAuthType !== 'RequireAnyClientCert' && clientAuthType !== 'RequireAndVerifyClientCert') {
      ctx.addIssue({ code: 'custom', path: ['client_allowed_sans'], message: 'needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert' });
    }
    return {
      certFile: tls.cert_file,
      keyFile: tls.key_file,
      clientCaFile: tls.client_ca_file,
      cert: tls.cert,
      key: tls.key,
      clientCa: tls.client_ca,
      clientAuthType,
      minVersion: tls.min_version,
      maxVersion: tls.max_version,
      ciphers,
      curves,
      preferServerCipherSuites: tls.prefer_server_cipher_suites,
      clientAllowedSans: tls.client_allowed_sans,
    };
  });

/** A header's value: printable ASCII, one of the fixed values where the header has them. */
function headerValue(allowed: readonly [string, ...string[]] | null) {
  const printable = z.string().regex(/^[\t\x20-\x7e]*$/, { error: 'must be printable ASCII' });
  return (allowed ? printable.pipe(z.enum(allowed)) : printable).optional();
}

const httpServerSchema = section(z.strictObject({
  http2: flag(true),
  headers: section(z.strictObject(Object.fromEntries(Object.entries(EXTRA_HEADERS).map(([name, allowed]) => [name, headerValue(allowed)])))),
}));

const BCRYPT_EXPECTED = `must be a bcrypt hash ($2a$, $2b$ or $2y$) with a cost from ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST}, as made by htpasswd -nBC 10`;

const usersSchema = section(
  z.record(
    z.string(),
    // The user name is no secret, but the hash is: the message never echoes it.
    z.custom<string>((hash) => typeof hash === 'string' && bcryptCost(hash) !== undefined, { error: BCRYPT_EXPECTED }),
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be a mapping of user names to bcrypt hashes' : undefined) },
  ),
);

const rateLimitSchema = section(z.strictObject({
  burst: blankIsAbsent(z.number().int({ error: 'must be a whole number, 0 or more' }).min(0, { error: 'must be a whole number, 0 or more' }).default(0)),
  interval: blankIsAbsent(durationSchema('go', 0).prefault(0)),
})).transform((limit, ctx): WebConfigFile['rateLimit'] => {
  if (limit.interval === 0) return undefined;
  if (limit.burst < 1) {
    ctx.addIssue({ code: 'custom', path: ['burst'], message: 'must be at least 1 when interval is set' });
    return z.NEVER;
  }
  return { burst: limit.burst, intervalMs: limit.interval };
});

/** An empty `tls_server_config` means no TLS, as in exporter-toolkit; any key in it means TLS. */
function isEmptySection(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
}

const webConfigFileSchema = section(z.strictObject({
  tls_server_config: z.preprocess((value) => (isEmptySection(value) ? undefined : value), tlsSchema.optional()),
  http_server_config: httpServerSchema,
  basic_auth_users: usersSchema,
  rate_limit: rateLimitSchema,
}));

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Reads and validates the web config at `path`, then reads and checks the certificate and key
 * files it names (relative to its folder). Records in `seen` each file read, stamped before it
 * was read, for the server to notice changes. Throws a WebConfigError listing every problem,
 * each with its field first (`tls_server_config.cert_file: ...`), in the order of the file.
 */
export async function readWebConfig(path: string, seen: Seen): Promise<WebConfigFile> {
  const absolute = resolve(path);
  seen.files.push(absolute);
  seen.stamps.push(await fileStamp(absolute));
  let fileText: string;
  try {
    fileText = await readSmallFile(absolute, MAX_CONFIG_FILE_BYTES);
  } catch (error) {
    throw new WebConfigError([`${absolute}: cannot read the web config file: ${fileError(error)}`]);
  }
  const parsed = parseYaml(fileText, 100);
  if ('problems' in parsed) throw new WebConfigError(parsed.problems);
  const result = webConfigFileSchema.safeParse(parsed.value, { error: configErrorMap });
  if (!result.success) throw new WebConfigError(inFileOrder(parsed.document, result.error.issues.flatMap(issueProblems)));

  const { tls_server_config: tlsSettings, http_server_config: httpServer, basic_auth_users: users, rate_limit: rateLimit } = result.data;
  const problems: Problem[] = [];
  const tls = tlsSettings && await readTlsMaterial(tlsSettings, dirname(absolute), seen, problems);
  if (problems.length > 0) throw new WebConfigError(inFileOrder(parsed.document, problems));
  return {
    path: absolute,
    tls,
    basicAuthUsers: new Map(Object.entries(users)),
    headers: Object.fromEntries(Object.entries(httpServer.headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    http2: httpServer.http2,
    rateLimit,
  };
}

/** readWebConfig for a one-off check (`--check-config`, startup). */
export async function loadWebConfig(path: string): Promise<WebConfigFile> {
  return readWebConfig(path, { files: [], stamps: [] });
}
