import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcrypt';
import { createExporterServer, subjectAltNames, type ExporterServerOptions } from '../../src/server/exporter-server.js';
import { captureLogs, linesWithSecrets, type CapturedLogs } from '../support/logs.js';
import { basic, close, listen, makePki, okHandler, replaceFile, request, sleep, type KeyPair, type Pki, type RequestOptions } from './web-support.js';

let pki: Pki;
let dir: string;
let count = 0;
const servers: https.Server[] = [];
let logs: CapturedLogs;

beforeAll(() => {
  pki = makePki();
  dir = join(pki.dir, 'configs');
  mkdirSync(dir);
});
afterAll(() => pki.remove());
afterEach(async () => {
  expect(linesWithSecrets(logs.lines(), ['PRIVATE KEY', 'BEGIN CERTIFICATE'])).toEqual([]);
  await Promise.all(servers.splice(0).map(close));
});

async function start(configText: string, options: ExporterServerOptions = {}): Promise<{ url: string; path: string }> {
  count += 1;
  logs = captureLogs(`tls-${count}`);
  const path = join(dir, `web-${count}.yml`);
  writeFileSync(path, configText);
  const server = await createExporterServer(okHandler, path, logs.logger, options);
  expect(server).toBeInstanceOf(https.Server);
  servers.push(server as https.Server);
  return { url: await listen(server), path };
}

const tlsConfig = (extra = '', pair: KeyPair = { cert: 'server.crt', key: 'server.key' }): string =>
  `tls_server_config:\n  cert_file: ${pair.cert}\n  key_file: ${pair.key}\n${extra}`;

/** Client options trusting the test CA, optionally presenting a client certificate. */
function client(pair?: KeyPair, extra: RequestOptions = {}): RequestOptions {
  return {
    ca: pki.read(pki.ca.cert),
    ...(pair ? { cert: pki.read(pair.cert), key: pki.read(pair.key) } : {}),
    ...extra,
  };
}

/** How a refused handshake or a connection closed after it shows up in the client. */
const REFUSED = /certificate required|alert|socket hang up|ECONNRESET|EPIPE/i;

function fingerprint(certPath: string): string {
  return new X509Certificate(pki.read(certPath)).fingerprint256;
}

describe('TLS', () => {
  beforeAll(() => {
    // Relative paths in the web config resolve against its folder.
    copyFileSync(pki.server.cert, join(pki.dir, 'configs', 'server.crt'));
    copyFileSync(pki.server.key, join(pki.dir, 'configs', 'server.key'));
  });

  it('serves HTTPS with the configured certificate', async () => {
    const { url } = await start(tlsConfig());
    const reply = await request(`${url}/metrics`, client());
    expect(reply).toMatchObject({ status: 200, body: 'ok GET /metrics\n', serverFingerprint: fingerprint(pki.server.cert) });
    // The certificate is really checked by the client: without the CA it is refused.
    await expect(request(`${url}/metrics`)).rejects.toThrow(/self.signed|unable to (get|verify)/i);
    // TLS 1.2 is accepted by default.
    expect((await request(`${url}/`, client(undefined, { maxVersion: 'TLSv1.2' }))).status).toBe(200);
  });

  it('refuses a TLS 1.2-only client with min_version TLS13', async () => {
    const { url } = await start(tlsConfig('  min_version: TLS13\n'));
    await expect(request(`${url}/`, client(undefined, { maxVersion: 'TLSv1.2' }))).rejects.toThrow(/protocol version|alert|wrong version/i);
    expect((await request(`${url}/`, client())).status).toBe(200);
  });

  it('RequireAndVerifyClientCert: refuses no certificate and one from another CA, accepts a good one', async () => {
    const { url } = await start(tlsConfig(`  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.ca.cert}\n`));
    await expect(request(`${url}/`, client())).rejects.toThrow(REFUSED);
    await expect(request(`${url}/`, client(pki.foreignClient))).rejects.toThrow(REFUSED);
    expect((await request(`${url}/`, client(pki.client))).status).toBe(200);
  });

  it('VerifyClientCertIfGiven: accepts no certificate or a good one, refuses one from another CA', async () => {
    const { url } = await start(tlsConfig(`  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ${pki.ca.cert}\n`));
    expect((await request(`${url}/`, client())).status).toBe(200);
    expect((await request(`${url}/`, client(pki.client))).status).toBe(200);
    await expect(request(`${url}/`, client(pki.foreignClient))).rejects.toThrow(REFUSED);
  });

  it('RequireAnyClientCert: needs a certificate but does not verify it', async () => {
    const { url } = await start(tlsConfig('  client_auth_type: RequireAnyClientCert\n'));
    await expect(request(`${url}/`, client())).rejects.toThrow(REFUSED);
    expect((await request(`${url}/`, client(pki.foreignClient))).status).toBe(200);
  });

  it('client_allowed_sans: the client certificate must carry one of them', async () => {
    expect(subjectAltNames(new X509Certificate(pki.read(pki.client.cert)))).toEqual(['client.test', 'client@test']);
    const base = `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.ca.cert}\n`;
    const { url, path } = await start(tlsConfig(`${base}  client_allowed_sans: [other.test, client@test]\n`), { recheckIntervalMs: 50 });
    expect((await request(`${url}/`, client(pki.client))).status).toBe(200);
    replaceFile(path, tlsConfig(`${base}  client_allowed_sans: [other.test]\n`));
    await sleep(100);
    await request(`${url}/`, client(pki.client)).catch(() => undefined); // this one notices the change
    await expect(request(`${url}/`, client(pki.client))).rejects.toThrow(REFUSED);
  });

  it('combines TLS with basic auth', async () => {
    const hash = bcrypt.hashSync('s3cret pass', 4);
    const { url } = await start(tlsConfig(`basic_auth_users:\n  alice: ${hash}\n`));
    expect((await request(`${url}/`, client())).status).toBe(401);
    expect((await request(`${url}/`, client(undefined, { headers: { Authorization: basic('alice', 's3cret pass') } }))).status).toBe(200);
    expect(linesWithSecrets(logs.lines(), ['s3cret pass', hash])).toEqual([]);
  });
});

describe('TLS changes without a restart', () => {
  it('swaps the certificate when its files change', async () => {
    const cert = join(dir, 'rotating.crt');
    const key = join(dir, 'rotating.key');
    copyFileSync(pki.server.cert, cert);
    copyFileSync(pki.server.key, key);
    const { url } = await start(tlsConfig('', { cert, key }), { recheckIntervalMs: 50 });
    expect((await request(`${url}/`, client())).serverFingerprint).toBe(fingerprint(pki.server.cert));

    // The key first, then the certificate, as a careless rotation might: the mismatched state in
    // between is refused and the old pair stays in use.
    replaceFile(key, pki.read(pki.server2.key));
    await sleep(100);
    expect((await request(`${url}/`, client())).serverFingerprint).toBe(fingerprint(pki.server.cert));
    replaceFile(cert, pki.read(pki.server2.cert));
    await sleep(100);
    await request(`${url}/`, client()); // this request notices the change
    expect((await request(`${url}/`, client())).serverFingerprint).toBe(fingerprint(pki.server2.cert));
    const records = logs.records();
    expect(records.filter((r) => r.msg === 'web config refused; the last good one stays'))
      .toEqual([expect.objectContaining({ problems: ['tls_server_config.key_file: does not belong to the certificate in cert_file'] })]);
    expect(records.filter((r) => r.msg === 'web config reloaded')).toHaveLength(1);
  });

  it('switches client certificate checks on for new connections', async () => {
    const cert = pki.server.cert;
    const key = pki.server.key;
    const { url, path } = await start(tlsConfig('', { cert, key }), { recheckIntervalMs: 50 });
    expect((await request(`${url}/`, client())).status).toBe(200);
    replaceFile(path, tlsConfig(`  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.ca.cert}\n`, { cert, key }));
    await sleep(100);
    await request(`${url}/`, client()).catch(() => undefined); // this request notices the change
    await expect(request(`${url}/`, client())).rejects.toThrow(REFUSED);
    expect((await request(`${url}/`, client(pki.client))).status).toBe(200);
  });

  it('refuses to drop TLS without a restart', async () => {
    const { url, path } = await start(tlsConfig('', { cert: pki.server.cert, key: pki.server.key }), { recheckIntervalMs: 50 });
    replaceFile(path, '');
    await sleep(100);
    expect((await request(`${url}/`, client())).status).toBe(200);
    expect(logs.records().filter((r) => r.msg === 'web config refused; the last good one stays'))
      .toEqual([expect.objectContaining({ problems: ['tls_server_config: switching from HTTPS to HTTP needs a restart'] })]);
  });
});
