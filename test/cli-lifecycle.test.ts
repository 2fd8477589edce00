// The lifecycle switch through the built CLI (dist/main.js, built by npm test): POST /-/reload
// answers 403 unless web.enable_lifecycle or --web.enable-lifecycle says otherwise; SIGHUP
// reloads in every case.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Simulator } from '../src/simulator/server.js';
import { demoInstances, NEVER } from './support/stack.js';

const MAIN = join(process.cwd(), 'dist', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'hwcdb-lifecycle-'));
let sim: Simulator;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' (npm test does it first)`);
  sim = await Simulator.start();
});

afterAll(async () => {
  await sim.close();
});

interface Served {
  child: ChildProcess;
  url: string;
  records: () => Array<Record<string, unknown>>;
}

/** Starts the CLI and resolves once it serves and has polled, with the URL it logged. */
async function serve(name: string, web: Record<string, unknown>, flags: string[]): Promise<Served> {
  const project = sim.fleet.projects[0];
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify({
    web: { listen_address: '127.0.0.1:0', ...web },
    collectors: { session_overview: { schedule: NEVER }, htap_instances: { schedule: NEVER }, htap_processes: { schedule: NEVER } },
    http: { timeout: '2s', retries: 0 },
    projects: [{
      region: project?.region, project_id: project?.projectId, endpoints: sim.endpoints,
      auth: { type: 'aksk', access_key: sim.credentials.accessKey, secret_key: sim.credentials.secretKey },
      ...Object.fromEntries(Object.entries(demoInstances(sim)).map(([k, v]) => [k, { instances: v }])),
    }],
  }));
  const child = spawn(process.execPath, [MAIN, '--config', path, ...flags], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const records = (): Array<Record<string, unknown>> => output.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const deadline = Date.now() + 20_000;
  while (!output.includes('"msg":"poll finished"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const url = records().find((r) => r.msg === 'serving')?.url;
  if (typeof url !== 'string') throw new Error(`no serving line:\n${output}`);
  return { child, url, records };
}

const reloads = (served: Served): number => served.records().filter((r) => r.msg === 'configuration reloaded').length;

/** Waits, 15 s at most, until `n` reloads are logged: an answer can arrive before its log line is read. */
async function reloadsLogged(served: Served, n: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (reloads(served) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return reloads(served);
}

async function sighupReloads(served: Served): Promise<number> {
  const before = reloads(served);
  served.child.kill('SIGHUP');
  return (await reloadsLogged(served, before + 1)) - before;
}

async function stop(served: Served): Promise<void> {
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.kill('SIGTERM');
  await exited;
}

const cases: Array<[string, number, Record<string, unknown>, string[]]> = [
  ['by default', 403, {}, []],
  ['with web.enable_lifecycle: true', 200, { enable_lifecycle: true }, []],
  ['with --web.enable-lifecycle', 200, {}, ['--web.enable-lifecycle']],
];

describe('lifecycle API', () => {
  it.each(cases)('POST /-/reload %s answers %d, and SIGHUP reloads', async (_name, status, web, flags) => {
    const served = await serve(`lifecycle-${flags.length}-${Object.keys(web).length}`, web, flags);
    try {
      const answer = await fetch(`${served.url}/-/reload`, { method: 'POST' });
      expect(answer.status).toBe(status);
      expect(await answer.text()).toBe(status === 403 ? 'Lifecycle API is not enabled (web.enable_lifecycle).\n' : 'Configuration reloaded.\n');
      // The POST's own reload is counted before the signal, not with it.
      await reloadsLogged(served, status === 200 ? 1 : 0);
      expect(await sighupReloads(served)).toBe(1);
    } finally {
      await stop(served);
    }
  }, 50_000);
});
