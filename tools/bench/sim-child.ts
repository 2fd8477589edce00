// Benchmark child: the simulated Huawei Cloud in its own process, so that the exporter's CPU
// (measured in the parent) never includes the simulator's. Started by bench/main.ts with one
// JSON argument (seed, fleet sizes, latency); answers `stats` with its request counters and
// its own CPU time.
import { serveParent } from './ipc.js';
import { Simulator } from '../../src/simulator/server.js';
import type { FleetSpec } from '../../src/simulator/fleet.js';

interface SimArgs {
  seed: number;
  fleet: FleetSpec;
  latencyMs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as SimArgs;
const sim = await Simulator.start({ seed: args.seed, fleet: args.fleet, latencyMs: args.latencyMs });

serveParent(async (message) => {
  switch (message.type) {
    case 'stats':
      return { counts: sim.requests.counts(), total: sim.requests.count(), cpu: process.cpuUsage(), rss: process.memoryUsage().rss };
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
