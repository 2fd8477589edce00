// Benchmark child: the simulated Huawei Cloud in its own process, so that the exporter's CPU
// (measured in the parent) never includes the simulator's. Started by bench/main.ts with one
// JSON argument (seed, fleet sizes, latency); answers `stats` with its request counters and
// its own CPU time.
import { serveParent } from './ipc.js';
import { Simulator } from '../../src/simulator/server.js';
import type { FleetSpec } from '../../src/simulator/fleet.js';

interface SimArgs {
  seed: number;
  /** default: the demo fleet */
  fleet?: FleetSpec;
  latencyMs: number;
  /** advance the fleet every tickMs (the demo's 10 s for --small); default 0 = never */
  tickMs?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as SimArgs;
// Keep-alive connections stay open for the whole run: with the default 5 s, a loaded machine
// sees the server close a connection just as a client reuses it (a failed request, an invalid run).
const sim = await Simulator.start({ seed: args.seed, fleet: args.fleet, latencyMs: args.latencyMs, tickMs: args.tickMs ?? 0, keepAliveTimeoutMs: 600_000 });

serveParent(async (message) => {
  switch (message.type) {
    case 'stats':
      return { counts: sim.requests.counts(), total: sim.requests.count(), cpu: process.cpuUsage(), rss: process.memoryUsage().rss, latencyErrorMs: sim.latency.meanOffsetMs() };
    default:
      throw new Error(`unknown request ${message.type}`);
  }
}, () => sim.close());

process.send?.({
  type: 'ready',
  endpoints: sim.endpoints,
  credentials: { accessKey: sim.credentials.accessKey, secretKey: sim.credentials.secretKey },
  projects: sim.fleet.projects.map((p) => ({
    projectId: p.projectId,
    region: p.region,
    gaussdb: p.gaussdb.map((g) => ({ id: g.id, name: g.name })),
    taurusdb: p.taurusdb.map((t) => ({ id: t.id, name: t.name })),
  })),
  sessions: sim.fleet.sessionTotal(),
});
