// `npm run simulator`: the fake Huawei Cloud on fixed loopback ports, for the demo and for
// poking at the exporter by hand.
//   node dist/simulator/main.js [--seed N] [--latency-ms N] [--tick-ms N]
//                               [--iam-port N] [--gaussdb-port N] [--taurusdb-port N]

import { parseArgs } from 'node:util';

import { SIMULATOR_DEFAULT_PORTS, Simulator } from './server.js';

function intOption(values: Record<string, string | boolean | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      'latency-ms': { type: 'string' },
      'tick-ms': { type: 'string' },
      'iam-port': { type: 'string' },
      'gaussdb-port': { type: 'string' },
      'taurusdb-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log('usage: simulator [--seed N] [--latency-ms N] [--tick-ms N] [--iam-port N] [--gaussdb-port N] [--taurusdb-port N]');
    return;
  }
  const sim = await Simulator.start({
    seed: intOption(values, 'seed', 1, 0, 2 ** 32 - 1),
    latencyMs: intOption(values, 'latency-ms', 0, 0, 600_000),
    tickMs: intOption(values, 'tick-ms', 10_000, 0, 86_400_000),
    ports: {
      iam: intOption(values, 'iam-port', SIMULATOR_DEFAULT_PORTS.iam, 0, 65535),
      gaussdb: intOption(values, 'gaussdb-port', SIMULATOR_DEFAULT_PORTS.gaussdb, 0, 65535),
      taurusdb: intOption(values, 'taurusdb-port', SIMULATOR_DEFAULT_PORTS.taurusdb, 0, 65535),
    },
  });
  const c = sim.credentials;
  const demo = sim.fleet.demo;
  const lines = [
    'Huawei Cloud simulator listening on 127.0.0.1',
    `  iam       ${sim.endpoints.iam}   (admin: POST/DELETE /-/faults, POST /-/tick, POST /-/expire-tokens, GET /-/fleet)`,
    `  gaussdb   ${sim.endpoints.gaussdb}`,
    `  taurusdb  ${sim.endpoints.taurusdb}`,
    `  seed ${sim.fleet.seed}, ${sim.fleet.projects.length} project(s), ${sim.fleet.sessionTotal()} HTAP sessions`,
    ...sim.fleet.projects.map((p) => `  project ${p.projectId} (${p.region}): ${p.gaussdb.length} GaussDB, ${p.taurusdb.length} TaurusDB`),
    ...(demo ? [`  250-session HTAP instance ${demo.busyHtapId}, frozen HTAP instance ${demo.frozenHtapId}`] : []),
    'Demo credentials (not secret):',
    `  HWC_ACCESS_KEY=${c.accessKey}`,
    `  HWC_SECRET_KEY=${c.secretKey}`,
    `  domain=${c.domain} user=${c.user} password=${c.password}`,
    `  fixed token: ${c.token.slice(0, 24)}... (${c.token.length} characters)`,
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
