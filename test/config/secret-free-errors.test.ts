// No secret in any message: secrets fed through every error path (YAML syntax, schema,
// interpolation, secret files, web config), and every output channel grepped: --check-config and
// start-up through the built CLI (stdout and stderr), the daemon's error log, and the answer of
// POST /-/reload.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../support/stack.js';

const MAIN = join(process.cwd(), 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'hwcdb-secret-errors-'));
const SECRET = 'Pa55-TOPSECRET';

function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, output })));
}

const PROJECT = 'projects:\n  - region: ap-southeast-1\n    project_id: p1\n';
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** Each a configuration file that is wrong because of, or next to, a secret. */
const broken: Array<[string, () => string, Record<string, string>, string]> = [
  ['a YAML block scalar header', () => file('block.yaml', `${PROJECT}    auth: { type: password, domain: d, user: u }\n    password: >${SECRET}\n`), {}, 'invalid YAML'],
  ['a YAML unterminated quote', () => file('quote.yaml', `${PROJECT}    auth: { type: token, token: "${SECRET} }\n`), {}, 'invalid YAML'],
  ['a YAML bad indentation', () => file('indent.yaml', `${PROJECT}    auth:\n      type: aksk\n     secret_key: ${SECRET}\n`), {}, 'invalid YAML'],
  ['a YAML alias to an unknown anchor', () => file('alias.yaml', `${PROJECT}    auth: { type: token, token: *${SECRET} }\n`), {}, 'invalid YAML'],
  ['a misspelt secret key', () => file('misspelt.yaml', `${PROJECT}    auth: { type: aksk, access_key: a, secret_kye: ${SECRET} }\n`), {}, 'unknown key'],
  ['a secret of the wrong type', () => file('type.yaml', `${PROJECT}    auth: { type: token, token: [${SECRET}] }\n`), {}, 'projects[0].auth.token'],
  ['a secret given twice', () => file('twice.yaml', `${PROJECT}    auth: { type: token, token: ${SECRET}, token_file: nowhere }\n`), {}, 'projects[0].auth.token'],
  ['a secret as an auth type', () => file('authtype.yaml', `${PROJECT}    auth: { type: token, token: ${SECRET}, extra: ${SECRET} }\n`), {}, 'unknown key'],
  ['an interpolated secret in a bad reference', () => file('interp.yaml', `${PROJECT}    auth: { type: token, token: "\${UNSET_VAR}${SECRET}\${" }\n`), { UNUSED: SECRET }, 'projects[0].auth.token'],
  ['an interpolated secret in a number field', () => file('interp-number.yaml', `${PROJECT}    auth: { type: token, token: t }\nhttp: { retries: "\${SECRET_ENV}" }\n`), { SECRET_ENV: SECRET }, 'http.retries'],
  ['an empty secret file', () => {
    file('empty-secret', '\n');
    return file('empty-file.yaml', `${PROJECT}    auth: { type: token, token_file: empty-secret }\n`);
  }, {}, 'projects[0].auth.token_file'],
  ['a web config with a broken YAML line', () => {
    file('web-broken.yml', `basic_auth_users:\n  admin: >${SECRET}\n`);
    return file('web-broken.yaml', `web: { config_file: web-broken.yml }\n${PROJECT}    auth: { type: token, token: t }\n`);
  }, {}, 'invalid'],
  ['a web config with a plain password instead of a hash', () => {
    file('web-plain.yml', `basic_auth_users:\n  admin: ${SECRET}\n`);
    return file('web-plain.yaml', `web: { config_file: web-plain.yml }\n${PROJECT}    auth: { type: token, token: t }\n`);
  }, {}, 'basic_auth_users.admin'],
];

describe('A YAML syntax error prints the secret it trips over', () => {
  it.each(broken)('%s: --check-config exits 2 naming the problem, without the secret', async (_what, make, env, expected) => {
    const path = make();
    const checked = await run(['--check-config', '--config', path], env);
    expect(checked.status).toBe(2);
    expect(checked.output).toContain(expected);
    expect(checked.output).not.toContain(SECRET);
    expect(checked.output).not.toContain(SECRET.slice(1)); // nor a fragment of it
  });

  it('start-up exits 2 without the secret, as --check-config does (one CLI run: the same loader)', async () => {
    const [, make, env] = broken[0] ?? ['', () => '', {}];
    const started = await run(['--config', make()], env);
    expect(started.status).toBe(2);
    expect(started.output).not.toContain(SECRET.slice(1));
  });
});

describe('a refused reload', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: 'secret-free-reload', overrides: { web: { listen_address: '127.0.0.1:0', enable_lifecycle: true } } });
    await stack.ready();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('answers 400 and logs the problems without the secret, for every broken file', async () => {
    const good = stack.configDocument();
    for (const [what, make] of broken.filter(([w, , env]) => !w.startsWith('a web config') && Object.keys(env).length === 0)) {
      // the broken project entry replaces the stack's, so the file holds the secret where it breaks
      const text = `web: { listen_address: "127.0.0.1:0", enable_lifecycle: true }\n${readFileSync(make(), 'utf8')}`;
      writeFileSync(stack.configPath, text);
      const answer = await fetch(`${stack.daemon.url}/-/reload`, { method: 'POST' });
      const body = await answer.text();
      expect([what, answer.status]).toEqual([what, 400]);
      expect(body).toContain('Configuration refused');
      expect(body).not.toContain(SECRET.slice(1));
    }
    stack.writeConfig(good);
    expect((await fetch(`${stack.daemon.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    const refused = stack.logs.records().filter((r) => r.msg === 'configuration reload refused; the previous configuration stays');
    expect(refused.length).toBe(broken.filter(([w, , env]) => !w.startsWith('a web config') && Object.keys(env).length === 0).length);
    expect(stack.logs.lines().filter((line) => line.includes(SECRET.slice(1)))).toEqual([]);
    // the stack's own secrets never show either
    expect(stack.logs.lines().filter((line) => stack.secrets.some((s) => line.includes(s)))).toEqual([]);
  });
});
