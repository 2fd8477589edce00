// The command line as users run it: the built dist/main.js in a child process (npm test builds
// it first). Exit codes, messages naming the field, --once output and shutdown on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import bcrypt from 'bcrypt';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SDK_RELEASE } from '../src/config/sdk-endpoints.js';
import { Simulator } from '../src/simulator/server.js';
import { parseExposition } from './support/exposition.js';
import { demoInstances, NEVER } from './support/stack.js';

const MAIN = join(process.cwd(), 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'hwcdb-cli-'));
let sim: Simulator;

/** Runs the CLI without blocking this process, whose event loop serves the simulator. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

function configFile(name: string, document: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof document === 'string' ? document : stringify(document));
  return path;
}

function validDocument(): Record<string, unknown> {
  const project = sim.fleet.projects[0];
  return {
    web: { listen_address: '127.0.0.1:0' },
    collectors: { session_overview: { schedule: NEVER }, htap_instances: { schedule: NEVER }, htap_processes: { schedule: NEVER } },
    http: { timeout: '2s', retries: 0 },
    projects: [{
      region: project?.region, project_id: project?.projectId, endpoints: sim.endpoints,
      auth: { type: 'aksk', access_key: '${TEST_AK}', secret_key: '${TEST_SK}' },
      ...Object.fromEntries(Object.entries(demoInstances(sim)).map(([k, v]) => [k, { instances: v }])),
    }],
  };
}

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' (npm test does it first)`);
  sim = await Simulator.start();
});

afterAll(async () => {
  await sim.close();
});

describe('command line', () => {
  it('--version prints the version', async () => {
    const { status, stdout } = await run(['--version']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^huaweicloud-db-exporter \d+\.\d+\.\d+ \(node v\d+/);
  });

  it('--help and -h print the usage on stdout, exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { status, stdout } = await run([flag]);
      expect({ flag, status, stdout }).toEqual({ flag, status: 0, stdout: expect.stringMatching(/^usage: huaweicloud-db-exporter --config <file> .*--help/) });
    }
  });

  it('an unknown flag is a usage error, exit 2', async () => {
    const { status, stderr } = await run(['--frobnicate']);
    expect(status).toBe(2);
    expect(stderr).toContain('usage: huaweicloud-db-exporter --config <file>');
  });

  it('--help and -h print the usage and every flag on stdout, exit 0, and need no configuration', async () => {
    for (const flag of ['--help', '-h']) {
      const { status, stdout, stderr } = await run([flag, '--config', join(dir, 'no-such-file.yaml')]);
      expect({ flag, status, stderr }).toEqual({ flag, status: 0, stderr: '' });
      expect(stdout.startsWith('usage: huaweicloud-db-exporter --config <file>')).toBe(true);
      for (const option of ['--config', '--check-config', '--once', '--log-level', '--web.enable-lifecycle', '--shard', '--total-shards', '--version', '-h, --help']) {
        expect({ flag, option, listed: stdout.includes(`\n  ${option} `) }).toEqual({ flag, option, listed: true });
      }
    }
  });

  it('--check-config accepts a valid file, without warnings', async () => {
    const { status, stdout, stderr } = await run(['--check-config', '--config', configFile('valid.yaml', validDocument())], { TEST_AK: 'ak', TEST_SK: 'sk' });
    expect(stdout).toContain('configuration is valid');
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });

  it('--check-config warns on stderr, exit 0, about a project that polls nothing and a region the endpoint tables do not know', async () => {
    const document = validDocument();
    const [project] = document.projects as Array<Record<string, unknown>>;
    document.projects = [project, { ...project, region: 'ap-southeast-9', gaussdb: { instances: [] }, taurusdb: { discover: false } }];
    const path = configFile('warnings.yaml', document);
    const { status, stdout, stderr } = await run(['--check-config', '--config', path], { TEST_AK: 'ak', TEST_SK: 'sk' });
    expect(stdout).toContain('configuration is valid (2 project(s))');
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      `${path}: warning: projects[1]: polls nothing: no gaussdb or taurusdb instances are listed and discover is off for both`,
      `${path}: warning: projects[1].region: "ap-southeast-9" is not a region of the endpoint tables (Huawei Cloud SDK ${SDK_RELEASE}): check its spelling, or give its endpoints`,
    ]);
    expect(status).toBe(0);
  });

  const broken: Array<[string, (d: Record<string, unknown>) => void, Record<string, string>, string]> = [
    ['a missing field', (d) => { delete (d.projects as Array<Record<string, unknown>>)[0]?.region; }, { TEST_AK: 'a', TEST_SK: 's' }, 'projects[0].region:'],
    ['a bad cron expression', (d) => { d.collectors = { session_overview: { schedule: '61 * * * *' } }; }, { TEST_AK: 'a', TEST_SK: 's' }, 'collectors.session_overview.schedule: invalid cron expression "61 * * * *"'],
    ['an unknown auth type', (d) => { (d.projects as Array<Record<string, unknown>>)[0]!.auth = { type: 'kerberos' }; }, {}, 'projects[0].auth.type:'],
    ['an unset environment variable', () => undefined, { TEST_AK: 'a' }, 'projects[0].auth.secret_key: environment variable TEST_SK is not set'],
    ['top sessions on an endpoint open to all', (d) => {
      d.web = { listen_address: '0.0.0.0:0' };
      d.collectors = { ...(d.collectors as object), htap_processes: { schedule: NEVER, top_sessions: 5 } };
    }, { TEST_AK: 'a', TEST_SK: 's' }, 'collectors.htap_processes.top_sessions: is 5, but /sessions would show SQL text to anyone who reaches 0.0.0.0:0'],
  ];
  it.each(broken)('%s exits 2 naming the field, at start-up and with --check-config', async (_what, breakIt, env, message) => {
    const document = validDocument();
    breakIt(document);
    const path = configFile(`broken-${message.length}.yaml`, document);
    for (const args of [['--config', path], ['--check-config', '--config', path]]) {
      const { status, stderr } = await run(args, env);
      expect(status).toBe(2);
      expect(stderr).toContain(message);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('--check-config accepts top sessions on an open address behind basic auth', async () => {
    const document = validDocument();
    document.web = { listen_address: '0.0.0.0:0', config_file: configFile('web-auth.yaml', `basic_auth_users:\n  prometheus: ${bcrypt.hashSync('pw', 4)}\n`) };
    document.collectors = { ...(document.collectors as object), htap_processes: { schedule: NEVER, top_sessions: 5 } };
    const { status, stdout, stderr } = await run(['--check-config', '--config', configFile('top-auth.yaml', document)], { TEST_AK: 'a', TEST_SK: 's' });
    expect(stderr).toBe('');
    expect(stdout).toContain('configuration is valid');
    expect(status).toBe(0);
  });

  const project0 = (d: Record<string, unknown>): Record<string, unknown> => (d.projects as Array<Record<string, unknown>>)[0] ?? {};
  const tokenFile = configFile('id-token', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n');
  const credentialProblems: Array<[string, Record<string, unknown>, string]> = [
    ['aksk: security_token and security_token_file both', { type: 'aksk', access_key: 'a', secret_key: 's', security_token: 't', security_token_file: tokenFile },
      'projects[0].auth.security_token_file: set either security_token or security_token_file, not both'],
    ['aksk: a security_token without its key pair', { type: 'aksk', security_token: 't' }, 'projects[0].auth.access_key: required (or access_key_file)'],
    ['metadata: a key of another kind', { type: 'metadata', access_key: 'a' }, 'projects[0].auth.access_key: unknown key'],
    ['workload_identity: no idp_id', { type: 'workload_identity', id_token_file: tokenFile }, 'projects[0].auth.idp_id: required'],
    ['workload_identity: no id_token_file', { type: 'workload_identity', idp_id: 'idp' }, 'projects[0].auth.id_token_file: required'],
    ['workload_identity: an unreadable id_token_file', { type: 'workload_identity', idp_id: 'idp', id_token_file: '/nonexistent/token' },
      'projects[0].auth.id_token_file: cannot read "/nonexistent/token": no such file'],
    ['workload_identity: a duration IAM refuses', { type: 'workload_identity', idp_id: 'idp', id_token_file: tokenFile, duration: '48h' },
      'projects[0].auth.duration: must be at most 24h'],
    ['workload_identity: a long-lived key as well', { type: 'workload_identity', idp_id: 'idp', id_token_file: tokenFile, secret_key: 's' },
      'projects[0].auth.secret_key: unknown key'],
  ];
  it.each(credentialProblems)('--check-config: %s exits 2 naming the field', async (_what, auth, message) => {
    const document = validDocument();
    project0(document).auth = auth;
    const { status, stderr } = await run(['--check-config', '--config', configFile(`auth-${message.length}-${_what.length}.yaml`, document)]);
    expect({ status, stderr }).toEqual({ status: 2, stderr: expect.stringContaining(message) });
  });

  it('--check-config: a bad metadata endpoint names the field', async () => {
    const document = validDocument();
    project0(document).auth = { type: 'metadata' };
    project0(document).endpoints = { ...sim.endpoints, metadata: 'ftp://169.254.169.254' };
    const { status, stderr } = await run(['--check-config', '--config', configFile('metadata-endpoint.yaml', document)]);
    expect({ status, stderr }).toEqual({ status: 2, stderr: expect.stringContaining('projects[0].endpoints.metadata: unsupported scheme "ftp"') });
  });

  it('--once prints the exposition alone on stdout and exits 0 when every target succeeded', async () => {
    const { status, stdout, stderr } = await run(['--once', '--config', configFile('once.yaml', validDocument())], { TEST_AK: sim.credentials.accessKey, TEST_SK: sim.credentials.secretKey });
    expect(status).toBe(0);
    const parsed = parseExposition(stdout);
    const up = [...parsed.series].filter(([k]) => k.startsWith('huaweicloud_db_up{'));
    expect(up.length).toBe(4 + 3 + 3);
    expect(up.every(([, v]) => v === 1)).toBe(true);
    expect(stderr.split('\n').filter(Boolean).every((line) => JSON.parse(line).app === 'huaweicloud-db-exporter')).toBe(true);
    expect(stdout).not.toContain(sim.credentials.secretKey);
    expect(stderr).not.toContain(sim.credentials.secretKey);
  });

  it('--once exits 1 when a target failed, showing it as up 0', async () => {
    const document = validDocument();
    const project = (document.projects as Array<Record<string, { instances: unknown[] }>>)[0];
    project?.gaussdb?.instances.push('000000000000000000000000deadbeefin14');
    const { status, stdout } = await run(['--once', '--config', configFile('once-bad.yaml', document)], { TEST_AK: sim.credentials.accessKey, TEST_SK: sim.credentials.secretKey });
    expect(status).toBe(1);
    expect(stdout).toContain('huaweicloud_db_up{collector="session_overview",instance_id="000000000000000000000000deadbeefin14"} 0');
    expect(stdout).toContain(`huaweicloud_db_up{collector="session_overview",instance_id="${sim.fleet.projects[0]?.gaussdb[0]?.id}"} 1`);
  });

  it('serves, then exits 0 within 5 s of SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN, '--config', configFile('serve.yaml', validDocument())], {
      env: { PATH: process.env.PATH ?? '', TEST_AK: sim.credentials.accessKey, TEST_SK: sim.credentials.secretKey }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const deadline = Date.now() + 10_000;
    while (!output.includes('"msg":"poll finished"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(output).toContain('"msg":"serving"');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(output).toContain('"msg":"shutting down"');
  });
});
