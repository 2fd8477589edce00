import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { createExporterServer, type ExporterServerOptions } from '../../src/server/exporter-server.js';
import { loadWebConfig, SERVER_LIMITS, WebConfigError } from '../../src/server/web-config.js';
import { captureLogs, linesWithSecrets, type CapturedLogs } from '../support/logs.js';
import { basic, close, listen, makePki, median, okHandler, replaceFile, request, sleep, type Pki } from './web-support.js';

let pki: Pki;
let dir: string;
let fileCount = 0;

beforeAll(() => {
  pki = makePki();
  dir = join(pki.dir, 'configs');
  mkdirSync(dir);
});
afterAll(() => pki.remove());

function writeConfig(text: string): string {
  fileCount += 1;
  const path = join(dir, `web-${fileCount}.yml`);
  writeFileSync(path, text);
  return path;
}

async function problemsOf(text: string): Promise<string[]> {
  try {
    await loadWebConfig(writeConfig(text));
  } catch (error) {
    expect(error).toBeInstanceOf(WebConfigError);
    return [...(error as WebConfigError).problems];
  }
  throw new Error('expected the web config to be refused');
}

const PASSWORD = 'correct horse battery staple';
const OTHER_PASSWORD = 'Tr0ub4dor&3';
// Low costs keep these tests fast; the timing test makes its own realistic hash.
const HASH = bcrypt.hashSync(PASSWORD, 4);
const OTHER_HASH = bcrypt.hashSync(OTHER_PASSWORD, 5);

describe('loadWebConfig', () => {
  it('reads a full file, resolving paths against its folder and filling in the defaults', async () => {
    const path = writeConfig([
      'tls_server_config:',
      '  cert_file: ../server.crt',
      '  key_file: ../server.key',
      'http_server_config:',
      '  headers:',
      '    X-Frame-Options: deny',
      'basic_auth_users:',
      `  alice: ${HASH}`,
      `  bob: ${HASH.replace(/^\$2b\$/, '$2y$')}`,
      '',
    ].join('\n'));
    const config = await loadWebConfig(path);
    expect(config.path).toBe(path);
    expect(config.tls).toMatchObject({
      certFile: pki.server.cert,
      keyFile: pki.server.key,
      clientCaFile: undefined,
      clientAuthType: 'NoClientCert',
      minVersion: 'TLS12',
      maxVersion: 'TLS13',
    });
    expect([...config.basicAuthUsers.keys()]).toEqual(['alice', 'bob']);
    expect(config.headers).toEqual({ 'X-Frame-Options': 'deny' });
    // The key material stays out of JSON logs.
    expect(JSON.stringify(config)).not.toContain('PRIVATE KEY');
  });

  it('treats an empty file and an empty tls_server_config as plain HTTP without auth', async () => {
    expect(await loadWebConfig(writeConfig(''))).toMatchObject({ tls: undefined, rateLimit: undefined });
    expect((await loadWebConfig(writeConfig('tls_server_config: {}\n'))).tls).toBeUndefined();
  });

  it('refuses unknown keys, naming them', async () => {
    const problems = await problemsOf([
      'tls_server_config:',
      `  cert_file: ${pki.server.cert}`,
      `  key_file: ${pki.server.key}`,
      '  cert_flie: x',
      'basic_auth_user: {}',
      'http_server_config:',
      '  headers:',
      '    X-Powered-By: me',
      '',
    ].join('\n'));
    expect(problems).toEqual(expect.arrayContaining([
      'tls_server_config.cert_flie: unknown key',
      'basic_auth_user: unknown key',
      'http_server_config.headers.X-Powered-By: unknown key',
    ]));
  });

  it('needs key_file (and cert_file) when tls_server_config is set', async () => {
    expect(await problemsOf(`tls_server_config:\n  cert_file: ${pki.server.cert}\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.key_file: required/)]);
    expect(await problemsOf('tls_server_config:\n  min_version: TLS13\n')).toEqual([
      expect.stringMatching(/^tls_server_config\.cert_file: required/),
      expect.stringMatching(/^tls_server_config\.key_file: required/),
    ]);
    await expect(loadWebConfig(writeConfig(`tls_server_config:\n  cert_file: ${pki.server.cert}\n`))).rejects.toThrow(/^tls_server_config\.key_file: /);
  });

  it('refuses a bad client_auth_type and client auth without its CA', async () => {
    const tlsBase = `tls_server_config:\n  cert_file: ${pki.server.cert}\n  key_file: ${pki.server.key}\n`;
    expect(await problemsOf(`${tlsBase}  client_auth_type: RequireCert\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_auth_type: must be one of NoClientCert, .*got "RequireCert"/)]);
    expect(await problemsOf(`${tlsBase}  client_auth_type: RequireAndVerifyClientCert\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_ca_file: required with client_auth_type RequireAndVerifyClientCert/)]);
    expect(await problemsOf(`${tlsBase}  client_ca_file: ${pki.ca.cert}\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_ca_file: set but client_auth_type is NoClientCert/)]);
    expect(await problemsOf(`${tlsBase}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ${pki.ca.cert}\n  client_allowed_sans: [a]\n`))
      .toEqual([expect.stringMatching(/^tls_server_config\.client_allowed_sans: needs client_auth_type/)]);
  });

  it('checks the files: readable, a certificate, a key that belongs to it', async () => {
    expect(await problemsOf(`tls_server_config:\n  cert_file: missing.crt\n  key_file: ${pki.server.key}\n`))
      .toEqual([`tls_server_config.cert_file: cannot read ${join(dir, 'missing.crt')}: ENOENT`]);
    expect(await problemsOf(`tls_server_config:\n  cert_file: ${pki.server.key}\n  key_file: ${pki.server.key}\n`))
      .toEqual(['tls_server_config.cert_file: contains no PEM certificate']);
    const problems = await problemsOf(`tls_server_config:\n  cert_file: ${pki.server.cert}\n  key_file: ${pki.client.key}\n`);
    expect(problems).toEqual(['tls_server_config.key_file: does not belong to the certificate in cert_file']);
    expect(problems.join()).not.toContain('PRIVATE KEY');
  });

  it('refuses versions, cipher suites and curves it does not know, and min above max', async () => {
    const tlsBase = `tls_server_config:\n  cert_file: ${pki.server.cert}\n  key_file: ${pki.server.key}\n`;
    expect(await problemsOf(`${tlsBase}  min_version: TLS13\n  max_version: TLS12\n  cipher_suites: [TLS_FOO]\n  curve_preferences: [CurveP999]\n`)).toEqual([
      'tls_server_config.max_version: TLS12 is below min_version TLS13',
      'tls_server_config.cipher_suites: unknown cipher suite "TLS_FOO"',
      expect.stringMatching(/^tls_server_config\.curve_preferences: unknown curve "CurveP999"/),
    ]);
    const config = await loadWebConfig(writeConfig(`${tlsBase}  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n  curve_preferences: [X25519, CurveP256]\n`));
    expect(config.tls).toMatchObject({ ciphers: ['ECDHE-ECDSA-AES128-GCM-SHA256'], curves: ['X25519', 'P-256'] });
  });

  it('refuses a password entry that is not a bcrypt hash without echoing it', async () => {
    const problems = await problemsOf('basic_auth_users:\n  alice: plaintext-secret\n  bob: "$2b$03$abc"\n');
    expect(problems).toEqual([
      expect.stringMatching(/^basic_auth_users\.alice: must be a bcrypt hash/),
      expect.stringMatching(/^basic_auth_users\.bob: must be a bcrypt hash/),
    ]);
    expect(problems.join()).not.toContain('plaintext-secret');
  });

  it('reports YAML syntax errors by position, without quoting the file', async () => {
    const problems = await problemsOf('basic_auth_users:\n  alice: "$2y$10$not-closed\n  bob: [x\n');
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(/^\(file\): invalid YAML/);
    expect(problems.join()).not.toContain('not-closed');
    expect(await problemsOf('basic_auth_users:\n  alice: a\n  alice: b\n')).toEqual([expect.stringMatching(/DUPLICATE_KEY/)]);
  });

  it('checks headers and rate_limit', async () => {
    expect(await problemsOf('http_server_config:\n  headers:\n    X-Frame-Options: allow\nrate_limit:\n  interval: 1 second\n')).toEqual([
      'http_server_config.headers.X-Frame-Options: must be one of deny, sameorigin',
      'rate_limit.interval: must be a duration such as 100ms or 1s',
    ]);
    expect((await loadWebConfig(writeConfig('rate_limit:\n  burst: 2\n  interval: 1m30s\n'))).rateLimit).toEqual({ burst: 2, intervalMs: 90_000 });
  });
});

describe('createExporterServer', () => {
  const servers: http.Server[] = [];
  let logs: CapturedLogs;
  let logCount = 0;

  async function start(configText: string | undefined, options: ExporterServerOptions = {}): Promise<{ url: string; path: string }> {
    logCount += 1;
    logs = captureLogs(`web-config-${logCount}`);
    const path = configText === undefined ? '' : writeConfig(configText);
    const server = await createExporterServer(okHandler, path, logs.logger, options);
    servers.push(server);
    return { url: await listen(server), path };
  }

  afterEach(async () => {
    // No password, hash or Authorization value ever reaches the logs.
    const secrets = [PASSWORD, OTHER_PASSWORD, HASH, OTHER_HASH, basic('alice', PASSWORD).slice(6), basic('alice', 'wrong').slice(6), 'wrong password'];
    expect(linesWithSecrets(logs.lines(), secrets)).toEqual([]);
    expect(logs.lines().join('\n')).not.toMatch(/authorization/i);
    await Promise.all(servers.splice(0).map(close));
  });

  it('serves plain HTTP with no web config, with the hardening limits', async () => {
    const { url } = await start(undefined);
    const server = servers[0] as http.Server;
    expect(server).not.toBeInstanceOf((await import('node:https')).Server);
    expect(server.requestTimeout).toBe(SERVER_LIMITS.requestTimeoutMs);
    expect(server.headersTimeout).toBe(SERVER_LIMITS.headersTimeoutMs);
    expect(server.keepAliveTimeout).toBe(SERVER_LIMITS.keepAliveTimeoutMs);
    expect(server.maxRequestsPerSocket).toBe(SERVER_LIMITS.maxRequestsPerSocket);
    const reply = await fetch(`${url}/metrics`);
    expect(reply.status).toBe(200);
    expect(await reply.text()).toBe('ok GET /metrics\n');
  });

  it('refuses oversized request headers', async () => {
    const { url } = await start(undefined);
    const reply = await request(`${url}/`, { headers: { 'X-Big': 'x'.repeat(SERVER_LIMITS.maxHeaderSize + 1) } });
    expect(reply.status).toBe(431);
  });

  it('throws for an invalid file and creates nothing', async () => {
    logs = captureLogs('web-config-invalid');
    await expect(createExporterServer(okHandler, writeConfig('bogus: 1\n'), logs.logger)).rejects.toThrow('bogus: unknown key');
  });

  describe('basic auth', () => {
    const config = `basic_auth_users:\n  alice: ${HASH}\n  bob: ${OTHER_HASH.replace(/^\$2b\$/, '$2y$')}\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n`;

    it('lets the right password through and answers 401 with a challenge otherwise', async () => {
      const { url } = await start(config);
      const ok = await request(`${url}/metrics`, { headers: { Authorization: basic('alice', PASSWORD) } });
      expect(ok).toMatchObject({ status: 200, body: 'ok GET /metrics\n' });
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      // a $2y$ hash, as htpasswd writes them
      expect((await request(`${url}/`, { headers: { Authorization: basic('bob', OTHER_PASSWORD) } })).status).toBe(200);

      const denied: Array<Record<string, string>> = [
        { Authorization: basic('alice', 'wrong password') },
        { Authorization: basic('mallory', PASSWORD) },
        { Authorization: basic('bob', PASSWORD) },
        {},
        { Authorization: 'Basic !!!not-base64' },
        { Authorization: `Basic ${Buffer.from(`alice${PASSWORD}`).toString('base64')}` },
        { Authorization: `Bearer ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` },
        { Authorization: basic('alice', PASSWORD).slice(0, -1) },
        { Authorization: 'Basic' },
      ];
      for (const headers of denied) {
        const reply = await request(`${url}/metrics`, { headers });
        expect({ headers, status: reply.status }).toEqual({ headers, status: 401 });
        expect(reply.headers['www-authenticate']).toBe('Basic realm="huaweicloud-db-exporter"');
        expect(reply.headers['x-content-type-options']).toBe('nosniff');
        expect(reply.body).toBe('Unauthorized\n');
      }
    });

    it('takes as long for an unknown user as for a wrong password', async () => {
      // A realistic cost, so that bcrypt dominates the request time.
      const hash = bcrypt.hashSync(PASSWORD, 8);
      const { url } = await start(`basic_auth_users:\n  alice: ${hash}\n`);
      const time = async (user: string): Promise<number> => {
        const began = performance.now();
        const reply = await request(`${url}/metrics`, { headers: { Authorization: basic(user, 'wrong password') } });
        expect(reply.status).toBe(401);
        return performance.now() - began;
      };
      await time('alice'); // warm up the connection code paths
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        unknown.push(await time(`nobody${i}`));
        wrong.push(await time('alice'));
      }
      const ratio = median(unknown) / median(wrong);
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    });

    it('caches successful checks but never failures', async () => {
      const hash = bcrypt.hashSync(PASSWORD, 10);
      const { url } = await start(`basic_auth_users:\n  alice: ${hash}\n`);
      const time = async (password: string, status: number): Promise<number> => {
        const began = performance.now();
        expect((await request(`${url}/`, { headers: { Authorization: basic('alice', password) } })).status).toBe(status);
        return performance.now() - began;
      };
      const first = await time(PASSWORD, 200);
      const cached = median([await time(PASSWORD, 200), await time(PASSWORD, 200), await time(PASSWORD, 200)]);
      const failures = [await time('wrong password', 401), await time('wrong password', 401)];
      // bcrypt at cost 10 takes tens of milliseconds; a cached check about one.
      expect(cached).toBeLessThan(first / 4);
      for (const failure of failures) expect(failure).toBeGreaterThan(cached * 4);
    });

    it('applies rate_limit before authentication', async () => {
      const { url } = await start(`basic_auth_users:\n  alice: ${HASH}\nrate_limit:\n  burst: 2\n  interval: 1h\n`);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await request(`${url}/`, { headers: { Authorization: basic('alice', PASSWORD) } })).status);
      expect(statuses).toEqual([200, 200, 429]);
    });
  });

  describe('re-reading the file', () => {
    it('takes a changed password hash without a restart and keeps the last good config on a bad edit', async () => {
      const { url, path } = await start(`basic_auth_users:\n  alice: ${HASH}\n`, { recheckIntervalMs: 100 });
      const status = async (password: string): Promise<number> => (await request(`${url}/`, { headers: { Authorization: basic('alice', password) } })).status;
      expect(await status(PASSWORD)).toBe(200);
      expect(await status(OTHER_PASSWORD)).toBe(401);

      replaceFile(path, `basic_auth_users:\n  alice: ${OTHER_HASH}\n`);
      await sleep(150);
      expect(await status(PASSWORD)).toBe(401);
      expect(await status(OTHER_PASSWORD)).toBe(200);

      // An invalid edit in place: refused, logged once, and the last good config stays.
      writeFileSync(path, `basic_auth_users:\n  alice: ${HASH}\nbasic_auth_userz: {}\n`);
      await sleep(150);
      expect(await status(OTHER_PASSWORD)).toBe(200);
      expect(await status(PASSWORD)).toBe(401);
      await sleep(150);
      expect(await status(OTHER_PASSWORD)).toBe(200);
      const refused = logs.records().filter((record) => record.msg === 'web config refused; the last good one stays');
      expect(refused).toEqual([expect.objectContaining({ level: 'error', web_config: path, problems: ['basic_auth_userz: unknown key'] })]);

      // Fixed again: taken.
      writeFileSync(path, `basic_auth_users:\n  alice: ${HASH}\n`);
      await sleep(150);
      expect(await status(PASSWORD)).toBe(200);
      expect(logs.records().filter((record) => record.msg === 'web config reloaded')).toHaveLength(2);
    });

    it('looks at the file at most once per second by default', async () => {
      const { url, path } = await start(`basic_auth_users:\n  alice: ${HASH}\n`);
      const status = async (password: string): Promise<number> => (await request(`${url}/`, { headers: { Authorization: basic('alice', password) } })).status;
      replaceFile(path, `basic_auth_users:\n  alice: ${OTHER_HASH}\n`);
      expect(await status(PASSWORD)).toBe(200);
      await sleep(1100);
      expect(await status(PASSWORD)).toBe(401);
      expect(await status(OTHER_PASSWORD)).toBe(200);
    });

    it('turns basic auth on and off', async () => {
      const { url, path } = await start('http_server_config:\n  http2: false\n', { recheckIntervalMs: 50 });
      expect((await request(`${url}/`)).status).toBe(200);
      replaceFile(path, `basic_auth_users:\n  alice: ${HASH}\n`);
      await sleep(100);
      expect((await request(`${url}/`)).status).toBe(401);
      replaceFile(path, '');
      await sleep(100);
      expect((await request(`${url}/`)).status).toBe(200);
    });
  });
});
