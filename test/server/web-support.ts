// Shared by the web config tests: certificates made with the openssl CLI, a small HTTP(S) client
// and servers on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from '@jest/globals';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: KeyPair;
  /** for 127.0.0.1 and localhost, signed by `ca` */
  server: KeyPair;
  /** another server certificate, signed by `ca`, for certificate swaps */
  server2: KeyPair;
  /** SANs DNS:client.test and email:client@test, signed by `ca` */
  client: KeyPair;
  otherCa: KeyPair;
  /** the same SANs as `client`, signed by `otherCa` */
  foreignClient: KeyPair;
  read(path: string): string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): KeyPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  openssl(dir, ['req', '-x509', ...EC, '-keyout', pair.key, '-out', pair.cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return pair;
}

function makeLeaf(dir: string, name: string, ca: KeyPair, extensions: string): KeyPair {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(dir, ['req', '-new', ...EC, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(Date.now() + Math.floor(Math.random() * 1e6)),
    '-days', '2', '-out', pair.cert, '-extfile', ext]);
  return pair;
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'web-config-pki-'));
  const ca = makeCa(dir, 'test-ca');
  const otherCa = makeCa(dir, 'other-ca');
  const serverExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n';
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:client.test,email:client@test\n';
  return {
    dir,
    ca,
    otherCa,
    server: makeLeaf(dir, 'server', ca, serverExt),
    server2: makeLeaf(dir, 'server2', ca, serverExt),
    client: makeLeaf(dir, 'client', ca, clientExt),
    foreignClient: makeLeaf(dir, 'foreign-client', otherCa, clientExt),
    read: (path) => readFileSync(path, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface WebConfigFiles {
  readonly pki: Pki;
  /** the folder the web config files are written to, beside (not holding) the PKI's files */
  readonly dir: string;
  /** writes a new web config file with `text`, returning its path */
  write(text: string): string;
}

/** A PKI made before the test file's tests and removed after them, and web config files beside it. */
export function useWebConfigFiles(): WebConfigFiles {
  let pki: Pki | undefined;
  let count = 0;
  beforeAll(() => {
    pki = makePki();
    mkdirSync(join(pki.dir, 'configs'));
  });
  afterAll(() => pki?.remove());
  const made = (): Pki => {
    if (pki === undefined) throw new Error('the PKI exists only while the tests run');
    return pki;
  };
  return {
    get pki() {
      return made();
    },
    get dir() {
      return join(made().dir, 'configs');
    },
    write(text) {
      count += 1;
      const path = join(this.dir, `web-${count}.yml`);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** Replaces a file the way config management does: write aside, then rename over it. */
export function replaceFile(path: string, text: string): void {
  const aside = `${path}.tmp-${process.pid}`;
  writeFileSync(aside, text);
  renameSync(aside, path);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** sha256 fingerprint of the server certificate (HTTPS only) */
  serverFingerprint?: string;
}

export type RequestOptions = https.RequestOptions;

/** One request on a fresh connection. */
export function request(url: string, options: RequestOptions = {}): Promise<Reply> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<Reply>((resolve, reject) => {
    const req = client.request(target, { agent: false, ...options }, (res) => {
      const socket = res.socket as { getPeerCertificate?: () => { fingerprint256?: string } };
      const serverFingerprint = socket.getPeerCertificate?.().fingerprint256;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        ...(serverFingerprint ? { serverFingerprint } : {}),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.end();
  });
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** Listens on 127.0.0.1 on a free port; resolves to the base URL. */
export async function listen(server: http.Server | https.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `${server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${port}`;
}

export async function close(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The handler behind the protection in these tests. */
export const okHandler: http.RequestListener = (req, res) => {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/plain');
  res.end(`ok ${req.method ?? ''} ${req.url ?? ''}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
