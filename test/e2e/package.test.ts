// `npm run package` and what a user does with each file it writes: the npm tarball installed
// globally into an empty prefix and run (--help, --once against the simulator), the chart archive
// rendered by helm, the image tar loaded into the engine and run; SHA256SUMS checked.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Simulator } from '../../src/simulator/server.js';
import { docker, report, requireEngine } from './docker.js';
import { run, runTool } from './tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ONE_PROJECT = join(ROOT, 'test', 'e2e', 'chart', 'one-project.yaml');

let out: string;
let sim: Simulator;
let packaged = false;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'hwcdb-package-'));
  sim = await Simulator.start();
});

afterAll(async () => {
  await sim.close();
  rmSync(out, { recursive: true, force: true });
});

function exec(command: string, args: string[], timeoutMs: number): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ status: code ?? -1, stdout, stderr }); });
  });
}

const requirePackage = (): void => {
  if (!packaged) throw new Error('npm run package failed (see the first test)');
};

describe('npm run package', () => {
  test('writes the npm tarball, the chart archive, the image tar and SHA256SUMS to one folder', () => {
    requireEngine(ROOT);
    const res = run('npm', ['run', 'package'], { cwd: ROOT, env: { ...process.env, PACKAGE_DIR: out }, timeout: 15 * 60_000 });
    for (const line of res.stderr.split('\n').filter((l) => l.startsWith('package:') || /^[-0-9a-f]{64}  |^-rw/.test(l))) report(line);
    expect(res.status).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'SHA256SUMS', `huaweicloud-db-exporter-${VERSION}-npm.tgz`, `huaweicloud-db-exporter-${VERSION}.tgz`, `huaweicloud-db-exporter-image-${VERSION}.tar.gz`,
    ]);
    for (const file of files) report(`package: ${file} ${statSync(join(out, file)).size} bytes`);
    const check = run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
    report(`package: sha256sum -c: ${check.stdout.trim().replace(/\n/g, ' | ')}`);
    expect(check.status).toBe(0);
    packaged = true;
  }, 16 * 60_000);

  test('the npm tarball installs globally into an empty prefix; --help and --once against the simulator', async () => {
    requirePackage();
    const prefix = mkdtempSync(join(tmpdir(), 'hwcdb-prefix-'));
    try {
      const install = await exec('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(out, `huaweicloud-db-exporter-${VERSION}-npm.tgz`)], 5 * 60_000);
      report(`npm install -g: exit ${install.status}: ${install.stdout.trim().split('\n').pop() ?? ''}`);
      expect(install.status).toBe(0);
      const bin = join(prefix, 'bin', 'huaweicloud-db-exporter');
      const help = await exec(bin, ['--help'], 30_000);
      report(`${bin} --help: exit ${help.status}`);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^usage: huaweicloud-db-exporter/);
      const project = sim.fleet.projects[0];
      const config = join(prefix, 'config.yaml');
      writeFileSync(config, stringify({
        web: { listen_address: '127.0.0.1:0' },
        projects: [{
          region: project?.region, project_id: project?.projectId, endpoints: sim.endpoints,
          auth: { type: 'aksk', access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey },
          gaussdb: { instances: project?.gaussdb.map((g) => g.id) },
        }],
      }));
      const once = await exec(bin, ['--config', config, '--once'], 60_000);
      const up = [...once.stdout.matchAll(/^huaweicloud_db_up\{[^}]*\} (\d)/gm)].map((m) => m[1]);
      report(`${bin} --once: exit ${once.status}, ${up.length} targets, ${up.filter((v) => v === '1').length} up`);
      expect(once.status).toBe(0);
      expect(up).toEqual(project?.gaussdb.map(() => '1'));
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  }, 6 * 60_000);

  test('helm template from the chart archive', () => {
    requirePackage();
    const res = runTool('helm', ['template', 'hwc', join(out, `huaweicloud-db-exporter-${VERSION}.tgz`), '-f', ONE_PROJECT]);
    report(`helm template <archive>: exit ${res.status}, ${(res.stdout.match(/^kind: /gm) ?? []).length} objects`);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('kind: Deployment');
  });

  test('the image tar loads into the engine and runs', () => {
    requirePackage();
    const tag = `huaweicloud-db-exporter:${VERSION}`;
    docker(['rmi', '-f', tag]);
    const load = docker(['load', '-i', join(out, `huaweicloud-db-exporter-image-${VERSION}.tar.gz`)], 5 * 60_000);
    report(`docker load: exit ${load.status}: ${load.stdout.trim()}`);
    expect(load.status).toBe(0);
    const version = docker(['run', '--rm', '--network', 'none', '--read-only', '--cap-drop', 'ALL', tag, '--version']);
    report(`docker run ${tag} --version: exit ${version.status}: ${version.stdout.trim()}`);
    expect(version.status).toBe(0);
    expect(version.stdout).toContain(`huaweicloud-db-exporter ${VERSION}`);
  }, 6 * 60_000);
});
