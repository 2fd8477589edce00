// The certificate, key and client CA a web config names: read (after their stamps are taken, so
// that a change while reading is noticed next time), checked to be PEM that fits together and
// that OpenSSL takes, and kept out of logs. Also the node:tls options they become, which the
// check needs as much as the server does.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import tls from 'node:tls';
import { inspect } from 'node:util';
import { fileError, fileStamp, readSmallFile, type Seen } from './files.js';
import type { Problem } from './problems.js';
import type { TlsSettings, WebTlsConfig } from './web-config.js';

export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const satisfies Record<string, tls.SecureVersion>;
export type TlsVersionName = keyof typeof TLS_VERSIONS;

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

const SECTION = 'tls_server_config';
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** One PEM input: a file (relative to the web config's folder) or the text given inline. */
interface PemSource {
  key: string;
  path: string | undefined;
  inline: string | undefined;
}

function source(fileKey: string, inlineKey: string, file: string | undefined, inline: string | undefined, dir: string): PemSource {
  return file === undefined ? { key: inlineKey, path: undefined, inline } : { key: fileKey, path: resolve(dir, file), inline: undefined };
}

async function readPem(from: PemSource, problems: Problem[]): Promise<string | undefined> {
  if (from.path === undefined) return from.inline;
  try {
    return await readSmallFile(from.path);
  } catch (error) {
    problems.push({ path: [SECTION, from.key], message: `cannot read ${JSON.stringify(from.path)}: ${fileError(error)}` });
    return undefined;
  }
}

function checkCertificates(pem: string, key: string, problems: Problem[]): X509Certificate | undefined {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    problems.push({ path: [SECTION, key], message: 'contains no PEM certificate' });
    return undefined;
  }
  let first: X509Certificate | undefined;
  for (const [i, block] of blocks.entries()) {
    try {
      const cert = new X509Certificate(block);
      first ??= cert;
    } catch {
      problems.push({ path: [SECTION, key], message: `certificate ${i + 1} is not a valid X.509 certificate` });
    }
  }
  return first;
}

function checkPrivateKey(pem: string, key: string, problems: Problem[]): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    problems.push({ path: [SECTION, key], message: 'is not an unencrypted PEM private key' });
    return undefined;
  }
}

/**
 * The TLS configuration with its material read and checked, or undefined with `problems` added
 * (paths from the top of the web config, never any PEM text). `dir` is the web config's folder.
 */
export async function readTlsMaterial(settings: TlsSettings, dir: string, seen: Seen, problems: Problem[]): Promise<WebTlsConfig | undefined> {
  const before = problems.length;
  const cert = source('cert_file', 'cert', settings.certFile, settings.cert, dir);
  const key = source('key_file', 'key', settings.keyFile, settings.key, dir);
  const ca = source('client_ca_file', 'client_ca', settings.clientCaFile, settings.clientCa, dir);
  for (const { path } of [cert, key, ca]) {
    if (path === undefined) continue;
    seen.files.push(path);
    seen.stamps.push(await fileStamp(path));
  }
  const certPem = await readPem(cert, problems);
  const keyPem = await readPem(key, problems);
  const caPem = await readPem(ca, problems);
  if (problems.length > before || certPem === undefined || keyPem === undefined) return undefined;

  const x509 = checkCertificates(certPem, cert.key, problems);
  const privateKey = checkPrivateKey(keyPem, key.key, problems);
  if (x509 && privateKey && !x509.checkPrivateKey(privateKey)) {
    problems.push({ path: [SECTION, key.key], message: `does not belong to the certificate in ${cert.key}` });
  }
  if (caPem !== undefined) checkCertificates(caPem, ca.key, problems);
  if (problems.length > before) return undefined;

  const config: WebTlsConfig = {
    certFile: cert.path,
    keyFile: key.path,
    clientCaFile: ca.path,
    material: new TlsMaterial(certPem, keyPem, caPem),
    clientAuthType: settings.clientAuthType,
    minVersion: settings.minVersion,
    maxVersion: settings.maxVersion,
    ciphers: settings.ciphers,
    curves: settings.curves,
    preferServerCipherSuites: settings.preferServerCipherSuites,
    clientAllowedSans: settings.clientAllowedSans,
  };
  try {
    tls.createSecureContext(secureContextOptions(config));
  } catch (error) {
    problems.push({ path: [SECTION], message: `rejected by OpenSSL: ${(error as Error).message}` });
    return undefined;
  }
  return config;
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
