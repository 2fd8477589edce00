// The daemon behind its web config file: basic auth on every endpoint.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcrypt';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linesWithSecrets } from '../support/logs.js';
import { startStack, type Stack } from '../support/stack.js';

const PASSWORD = 'scrape-password-8d1f';
let stack: Stack;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hwcdb-web-'));
  const webConfig = join(dir, 'web.yaml');
  writeFileSync(webConfig, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(PASSWORD, 4)}\n`);
  stack = await startStack({ name: 'integration-protected', overrides: { web: { listen_address: '127.0.0.1:0', config_file: webConfig } } });
});

afterAll(async () => {
  await stack.stop();
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('protected endpoint', () => {
  it('refuses scrapes without the right credentials and serves with them', async () => {
    const anonymous = await fetch(`${stack.daemon.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await fetch(`${stack.daemon.url}/metrics`, { headers: { authorization: basic('prometheus', 'wrong') } })).status).toBe(401);
    const deadline = Date.now() + 10_000;
    let ready = 0;
    while (ready !== 200 && Date.now() < deadline) {
      ready = (await fetch(`${stack.daemon.url}/-/ready`, { headers: { authorization: basic('prometheus', PASSWORD) } })).status;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ok = await fetch(`${stack.daemon.url}/metrics`, { headers: { authorization: basic('prometheus', PASSWORD) } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('huaweicloud_db_up{collector="session_overview"');
    expect(linesWithSecrets(stack.logs.lines(), [...stack.secrets, PASSWORD])).toEqual([]);
  });

  it.each(['/', '/api/v1/targets', '/sessions', '/api/v1/sessions'])('guards the operator page %s like /metrics', async (path) => {
    const anonymous = await fetch(`${stack.daemon.url}${path}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toMatch(/schema_version|<h1>/);
    const ok = await fetch(`${stack.daemon.url}${path}`, { headers: { authorization: basic('prometheus', PASSWORD) } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(path.startsWith('/api/') ? /^\{\n {2}"schema_version": 1,/ : /<h1>/);
  });
});
