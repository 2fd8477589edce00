import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcrypt';
import { createExporterServer, SERVER_LIMITS, type ExporterServerOptions } from '../../src/server/exporter-server.js';
import { captureLogs, linesWithSecrets, type CapturedLogs } from '../support/logs.js';
import { basic, close, listen, median, okHandler, replaceFile, request, sleep, useWebConfigFiles } from './web-support.js';

const files = useWebConfigFiles();

const PASSWORD = 'correct horse battery staple';
const OTHER_PASSWORD = 'Tr0ub4dor&3';
// Low costs keep these tests fast; the timing test makes its own realistic hash.
const HASH = bcrypt.hashSync(PASSWORD, 4);
const OTHER_HASH = bcrypt.hashSync(OTHER_PASSWORD, 5);

describe('createExporterServer', () => {
  const servers: http.Server[] = [];
  let logs: CapturedLogs;
  let logCount = 0;

  async function start(configText: string | undefined, options: ExporterServerOptions = {}): Promise<{ url: string; path: string }> {
    logCount += 1;
    logs = captureLogs(`web-config-${logCount}`);
    const path = configText === undefined ? '' : files.write(configText);
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
    await expect(createExporterServer(okHandler, files.write('bogus: 1\n'), logs.logger)).rejects.toThrow('bogus: unknown key');
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
      expect(refused).toEqual([expect.objectContaining({ level: 'error', web_config: path, problems: ['basic_auth_userz: unknown key (did you mean basic_auth_users?)'] })]);

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
