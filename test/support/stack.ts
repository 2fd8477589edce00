// The whole product on loopback for integration tests: the simulator, a configuration file
// written for it, and the real daemon (config loader, client, collectors, scheduler, HTTP server).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { SINGLE_SHARD, type Shard } from '../../src/discovery.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { Simulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { captureLogs, type CapturedLogs } from './logs.js';
import { parseExposition, type ParsedExposition } from './exposition.js';

/** A cron expression that never fires during a test: polls happen at start-up and on demand. */
export const NEVER = '0 0 1 1 *';

export type AuthKind = 'aksk' | 'password' | 'token';

export interface StackOptions {
  name: string;
  simulator?: SimulatorOptions;
  auth?: AuthKind;
  /** the project's auth block, in place of `auth`'s */
  authConfig?: (sim: Simulator) => Record<string, unknown>;
  /** YAML document (snake_case) merged over the generated one, top-level keys replaced */
  overrides?: Record<string, unknown>;
  /** builds the project entry's instance lists; default: every instance of the demo fleet */
  instances?: (sim: Simulator) => { gaussdb: unknown[]; taurusdb: unknown[] };
  /** further keys of each engine section, e.g. { gaussdb: { discover: true } } */
  engines?: Record<string, Record<string, unknown>>;
  shard?: Shard;
}

export interface Stack {
  sim: Simulator;
  daemon: Daemon;
  logs: CapturedLogs;
  configPath: string;
  /** every secret the stack knows, for log scans */
  secrets: string[];
  scrape(path?: string): Promise<ParsedExposition & { text: string }>;
  /** scrapes until `check` holds and returns that scrape; fails after `timeoutMs` */
  eventually(check: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** resolves once /-/ready says 200; fails after `timeoutMs` */
  ready(timeoutMs?: number): Promise<void>;
  writeConfig(document: Record<string, unknown>): void;
  configDocument(): Record<string, unknown>;
  stop(): Promise<void>;
}

export function authBlock(sim: Simulator, kind: AuthKind): Record<string, string> {
  const c = sim.credentials;
  switch (kind) {
    case 'aksk': return { type: 'aksk', access_key: c.accessKey, secret_key: c.secretKey };
    case 'password': return { type: 'password', domain: c.domain, user: c.user, password: c.password };
    case 'token': return { type: 'token', token: c.token };
  }
}

export function demoInstances(sim: Simulator): { gaussdb: unknown[]; taurusdb: unknown[] } {
  const project = sim.fleet.projects[0];
  if (!project) throw new Error('simulator fleet has no project');
  return {
    gaussdb: project.gaussdb.map((g) => ({ id: g.id, name: g.name })),
    taurusdb: project.taurusdb.map((t) => ({ id: t.id, name: t.name })),
  };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const sim = await Simulator.start(options.simulator);
  const project = sim.fleet.projects[0];
  if (!project) throw new Error('simulator fleet has no project');
  const dir = mkdtempSync(join(tmpdir(), 'hwcdb-stack-'));
  const configPath = join(dir, 'exporter.yaml');
  let document: Record<string, unknown> = {
    web: { listen_address: '127.0.0.1:0' },
    log_level: 'debug',
    collectors: {
      // A failed poll's test sees the failure itself; suites that test the grace set their own.
      grace_polls: 0,
      session_overview: { schedule: NEVER },
      htap_instances: { schedule: NEVER },
      htap_processes: { schedule: NEVER, long_running_seconds: 60, by_user: true, by_database: true, by_host: true, max_label_values: 20 },
    },
    http: { timeout: '2s', retries: 2, concurrency: 8 },
    projects: [{
      region: project.region,
      project_id: project.projectId,
      endpoints: sim.endpoints,
      auth: options.authConfig?.(sim) ?? authBlock(sim, options.auth ?? 'aksk'),
      ...Object.fromEntries(Object.entries((options.instances ?? demoInstances)(sim)).map(([k, v]) => [k, { instances: v, ...options.engines?.[k] }])),
    }],
    ...options.overrides,
  };
  const writeConfig = (next: Record<string, unknown>): void => {
    document = next;
    writeFileSync(configPath, stringify(next));
  };
  writeConfig(document);
  const logs = captureLogs(options.name);
  const config = await loadConfig(configPath);
  const daemon = await startDaemon({
    configPath, config, logLevel: undefined, version: 'test', shard: options.shard ?? SINGLE_SHARD, log: logs.logger, metrics: new ExporterMetrics('test', 0),
  });
  const c = sim.credentials;
  return {
    sim,
    daemon,
    logs,
    configPath,
    secrets: [c.secretKey, c.password, c.token],
    writeConfig,
    configDocument: () => structuredClone(document),
    async scrape(path = '/metrics') {
      const response = await fetch(`${daemon.url}${path}`);
      if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
      const text = await response.text();
      return { ...parseExposition(text), text };
    },
    async eventually(check, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let text = '';
      while (Date.now() < deadline) {
        text = await (await fetch(`${daemon.url}/metrics`)).text();
        if (check(text)) return text;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`condition not met within ${timeoutMs} ms; last scrape:\n${text.slice(0, 2000)}`);
    },
    async ready(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if ((await fetch(`${daemon.url}/-/ready`)).status === 200) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`not ready within ${timeoutMs} ms`);
    },
    async stop() {
      await daemon.stop();
      await sim.close();
    },
  };
}
