// The container image, built from the Dockerfile with BuildKit and run for real against the
// simulator on the host (host network: both meet on 127.0.0.1). Needs the engine and base image
// that .ci/docker-engine.sh and .ci/base-image.sh make; without them every test fails with that hint.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startEnvWords } from '../../src/heap-tuning.js';
import { Simulator } from '../../src/simulator/server.js';
import { parseExposition, seriesOf, valueOf } from '../support/exposition.js';
import { buildImage, docker, dockerAsync, report, requireEngine } from './docker.js';
import { freePort } from '../support/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TAG = `huaweicloud-db-exporter:${VERSION}`;
const CONFIG_DIR = '/etc/huaweicloud-db-exporter';
/** The lockdown the issue of a hardened cluster imposes, as docker flags. */
const LOCKED_DOWN = ['--read-only', '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

let sim: Simulator;
let dir: string;
let built = false;


/** Writes config.yaml into a fresh folder that uid 1000 can read; returns the folder. */
function writeConfig(name: string, document: Record<string, unknown>): string {
  const made = mkdtempSync(join(dir, `${name}-`));
  writeFileSync(join(made, 'config.yaml'), stringify(document));
  chmodSync(made, 0o755);
  chmodSync(join(made, 'config.yaml'), 0o644);
  return made;
}

function exporterConfig(port: number): Record<string, unknown> {
  const project = sim.fleet.projects[0];
  if (!project) throw new Error('simulator fleet has no project');
  return {
    web: { listen_address: `127.0.0.1:${port}` },
    log_level: 'info',
    collectors: {
      session_overview: { schedule: '*/30 * * * * *' },
      htap_instances: { schedule: '0 */5 * * * *' },
      htap_processes: { schedule: '*/30 * * * * *' },
    },
    http: { timeout: '5s', retries: 1 },
    projects: [{
      region: project.region,
      project_id: project.projectId,
      endpoints: sim.endpoints,
      auth: { type: 'aksk', access_key: '${HWC_ACCESS_KEY}', secret_key: '${HWC_SECRET_KEY}' },
      gaussdb: { instances: project.gaussdb.map((g) => ({ id: g.id, name: g.name })) },
      taurusdb: { instances: project.taurusdb.map((t) => ({ id: t.id, name: t.name })) },
    }],
  };
}

/** docker run flags common to every run: host network, the config folder, the credentials. */
function runFlags(folder: string): string[] {
  return ['--network', 'host', '-v', `${folder}:${CONFIG_DIR}:ro`,
    '-e', `HWC_ACCESS_KEY=${sim.credentials.accessKey}`, '-e', `HWC_SECRET_KEY=${sim.credentials.secretKey}`];
}

function requireImage(): void {
  if (!built) throw new Error(`${TAG} was not built (see the build test's failure)`);
}

/** Every huaweicloud_db_up series of an exposition, by collector, with the ids it names. */
function upByCollector(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [series, value] of seriesOf(parseExposition(text), 'huaweicloud_db_up')) {
    const collector = /collector="([^"]+)"/.exec(series)?.[1] ?? '?';
    const id = /instance_id="([^"]+)"/.exec(series)?.[1] ?? '?';
    if (!out.has(collector)) out.set(collector, new Map());
    out.get(collector)?.set(id, value);
  }
  return out;
}

beforeAll(async () => {
  sim = await Simulator.start();
  dir = mkdtempSync(join(tmpdir(), 'hwcdb-image-'));
  chmodSync(dir, 0o755);
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('container image', () => {
  test('builds from the Dockerfile with BuildKit on the stand-in base', () => {
    const engine = requireEngine(ROOT);
    report(`engine ${engine.serverVersion}, base ${engine.baseImage}`);
    const started = Date.now();
    const res = buildImage(ROOT, TAG);
    const lines = (res.stdout + res.stderr).split('\n');
    for (const line of lines.filter((l) => /^#\d+ (\[|DONE|naming|writing)/.test(l))) report(`build: ${line}`);
    report(`build: exit ${res.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (res.status !== 0) report(lines.slice(-40).join('\n'));
    expect(res.status).toBe(0);
    built = true;
    const size = docker(['image', 'inspect', TAG, '--format', '{{.Size}}']).stdout.trim();
    report(`image ${TAG}: ${(Number(size) / 1e6).toFixed(1)} MB`);
    const healthcheck = JSON.parse(docker(['image', 'inspect', TAG, '--format', '{{json .Config.Healthcheck.Test}}']).stdout) as unknown;
    expect(healthcheck).toEqual(['CMD', 'node', '/app/dist/probe.js', '--path', '/-/healthy']);
    // The environment glibc reads as node starts (src/heap-tuning.ts) is the image's.
    const env = JSON.parse(docker(['image', 'inspect', TAG, '--format', '{{json .Config.Env}}']).stdout) as string[];
    expect(env).toEqual(expect.arrayContaining(startEnvWords()));
  }, 16 * 60_000);

  test('/app holds the production build only: no bench, soak, tests or sources', () => {
    requireImage();
    const res = docker(['run', '--rm', '--network', 'none', '--entrypoint', '/usr/bin/find', TAG, '/app',
      '-path', '/app/node_modules', '-prune', '-o', '-type', 'f', '-print']);
    expect(res.status).toBe(0);
    const files = res.stdout.trim().split('\n').sort();
    report(`/app files outside node_modules: ${files.length}`);
    expect(files).toEqual(expect.arrayContaining(['/app/package.json', '/app/dist/main.js', '/app/dist/probe.js', '/app/dist/demo.js']));
    expect(files.filter((f) => /bench|soak|\/tools\/|\/test\/|\.ts$|\/src\//.test(f))).toEqual([]);
    const dev = docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', TAG, '-c',
      'ls /app/node_modules/typescript /app/node_modules/jest 2>&1 | head -n 2']);
    expect(dev.stdout).toMatch(/No such file/);
  }, 120_000);

  test('--once under the lockdown: exit 0, every target up, the simulator\'s values', async () => {
    requireImage();
    const folder = writeConfig('once', exporterConfig(await freePort()));
    const res = await dockerAsync(['run', '--rm', ...LOCKED_DOWN, ...runFlags(folder), TAG, '--config', `${CONFIG_DIR}/config.yaml`, '--once'], 120_000);
    report(`run --once: exit ${res.status}`);
    expect(res.stderr).not.toContain(sim.credentials.secretKey);
    const project = sim.fleet.projects[0];
    const up = upByCollector(res.stdout);
    if (res.status !== 0) report(`run --once: stderr: ${res.stderr.slice(-3000)}`);
    expect(res.status).toBe(0);
    expect([...(up.get('session_overview')?.keys() ?? [])].sort()).toEqual(project?.gaussdb.map((g) => g.id).sort());
    expect([...(up.get('htap_instances')?.keys() ?? [])].sort()).toEqual(project?.taurusdb.map((t) => t.id).sort());
    expect(up.get('htap_processes')?.size).toBeGreaterThan(0);
    const down = [...up.values()].flatMap((m) => [...m].filter(([, v]) => v !== 1));
    report(`run --once: ${[...up].map(([c, m]) => `${c} ${m.size} up`).join(', ')}, ${down.length} down`);
    expect(down).toEqual([]);
    const parsed = parseExposition(res.stdout);
    for (const g of project?.gaussdb ?? []) expect(valueOf(parsed, 'huaweicloud_gaussdb_sessions', { instance_id: g.id })).toBe(g.overview.total);
  }, 180_000);

  test('--help: exit 0 with the usage', () => {
    requireImage();
    const res = docker(['run', '--rm', '--network', 'none', ...LOCKED_DOWN, TAG, '--help']);
    report(`run --help: exit ${res.status}: ${res.stdout.trim().slice(0, 80)}...`);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^usage: huaweicloud-db-exporter --config <file>/);
  });

  test('--check-config on a bad file: exit 2, the field named', async () => {
    requireImage();
    const document = exporterConfig(await freePort());
    const project = (document.projects as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    project.gaussdb = { instaces: (project.gaussdb as { instances: unknown }).instances };
    const folder = writeConfig('bad', document);
    const res = docker(['run', '--rm', ...LOCKED_DOWN, ...runFlags(folder), TAG, '--config', `${CONFIG_DIR}/config.yaml`, '--check-config']);
    const first = res.stderr.split('\n').slice(0, 2).join(' | ');
    report(`run --check-config (bad): exit ${res.status}: ${first}`);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/projects\[0\]\.gaussdb.*instaces/);
  });

  test('the daemon under the lockdown: healthy, serves the simulator\'s values, stops with exit 0 within 5 s', async () => {
    requireImage();
    const port = await freePort();
    const folder = writeConfig('daemon', exporterConfig(port));
    const name = `hwcdb-e2e-${process.pid}`;
    docker(['rm', '-f', name]);
    // The image's HEALTHCHECK command, checked every second instead of every 30 s.
    const started = docker(['run', '-d', '--name', name, ...LOCKED_DOWN, ...runFlags(folder),
      '--health-interval', '1s', '--health-retries', '3', TAG, '--config', `${CONFIG_DIR}/config.yaml`]);
    expect(started.status).toBe(0);
    try {
      const deadline = Date.now() + 60_000;
      let health = '';
      while (Date.now() < deadline) {
        health = (await dockerAsync(['inspect', '-f', '{{.State.Health.Status}}', name])).stdout.trim();
        if (health === 'healthy' || health === 'unhealthy') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      report(`daemon: health ${health} after ${((Date.now() - deadline + 60_000) / 1000).toFixed(1)} s`);
      expect(health).toBe('healthy');

      const readyBy = Date.now() + 30_000;
      while (Date.now() < readyBy && (await fetch(`http://127.0.0.1:${port}/-/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 200));
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const parsed = parseExposition(text);
      const project = sim.fleet.projects[0];
      for (const g of project?.gaussdb ?? []) {
        expect(valueOf(parsed, 'huaweicloud_gaussdb_sessions_active', { instance_id: g.id })).toBe(g.overview.active);
      }
      for (const t of project?.taurusdb ?? []) {
        expect(valueOf(parsed, 'huaweicloud_taurusdb_htap_instances', { instance_id: t.id })).toBe(t.htap.length);
      }
      report(`daemon: /metrics ${text.length} bytes, ${project?.gaussdb.length} GaussDB and ${project?.taurusdb.length} TaurusDB instances as the simulator has them`);

      const stopAt = Date.now();
      const stop = await dockerAsync(['stop', '-t', '10', name], 30_000);
      const stoppedIn = Date.now() - stopAt;
      const exit = docker(['inspect', '-f', '{{.State.ExitCode}}', name]).stdout.trim();
      report(`daemon: docker stop exit ${stop.status} in ${(stoppedIn / 1000).toFixed(2)} s, container exit code ${exit}`);
      expect(stop.status).toBe(0);
      expect(exit).toBe('0');
      expect(stoppedIn).toBeLessThan(5000);
      const logs = docker(['logs', name]);
      expect(logs.stdout + logs.stderr).not.toContain(sim.credentials.secretKey);
    } finally {
      docker(['rm', '-f', name]);
    }
  }, 180_000);
});
