// Basic auth under a wrong-password flood: how long a scrape on a new connection takes while
// `--attackers` clients (150 by default) hammer the server with wrong passwords, each on a new
// connection; then how long one refused attempt takes for an unknown user and for wrong
// passwords of users with different bcrypt costs (nothing else running).
//
// The server runs in a child process (the real exporter server and web config layer, as
// main.ts builds them), so that the attackers and the scraper in this process do not compete
// with it for its event loop.
//   npm run bench:auth-flood [-- --attackers 150 --seconds 10]
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import { createExporterServer } from '../../src/server/exporter-server.js';

const PASSWORD = 'right-password';
/** users and their bcrypt costs: mixed, as real web configs have them */
const USERS: Record<string, number> = { prometheus: 10, grafana: 8, admin: 12 };
const BODY = Buffer.from('# HELP x A value.\n# TYPE x gauge\nx 1\n'.repeat(200));

async function serve(webConfig: string): Promise<void> {
  const server = await createExporterServer((_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    res.end(BODY);
  }, webConfig, { info: () => undefined, error: () => undefined });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') process.send?.({ port: address.port });
  });
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** One request on a new connection; resolves to its status and milliseconds. */
function request(port: number, authorization: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent: false, headers: { Authorization: authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.setTimeout(30_000, () => req.destroy());
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { server: { type: 'string' }, attackers: { type: 'string', default: '150' }, seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '15' } },
  });
  if (values.server) return serve(values.server);
  const attackers = Number(values.attackers);
  const seconds = Number(values.seconds);
  const dir = mkdtempSync(join(tmpdir(), 'hwcdb-auth-flood-'));
  const webConfig = join(dir, 'web.yml');
  const lines = Object.entries(USERS).map(([user, cost]) => `  ${user}: "${bcrypt.hashSync(PASSWORD, cost)}"`);
  writeFileSync(webConfig, `basic_auth_users:\n${lines.join('\n')}\n`);

  const child = fork(new URL(import.meta.url).pathname, ['--server', webConfig], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve((m as { port: number }).port)));
  try {
    // the scraper's credentials are checked once, then cached (as a Prometheus scraping every few seconds)
    const first = await request(port, basic('prometheus', PASSWORD));
    if (first.status !== 200) throw new Error(`the scraper's first request answered ${first.status}`);

    const attackerStatuses = new Map<number, number>();
    let flooding = true;
    const attacker = async (): Promise<void> => {
      while (flooding) {
        const { status } = await request(port, basic('prometheus', 'wrong-password'));
        attackerStatuses.set(status, (attackerStatuses.get(status) ?? 0) + 1);
      }
    };
    const floods = Array.from({ length: attackers }, attacker);
    await new Promise((r) => setTimeout(r, 1000)); // let the flood build up
    const scrapes: number[] = [];
    const scrapeStatuses = new Map<number, number>();
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      const { status, ms } = await request(port, basic('prometheus', PASSWORD));
      scrapes.push(ms);
      scrapeStatuses.set(status, (scrapeStatuses.get(status) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 100));
    }
    flooding = false;
    await Promise.all(floods);
    console.log(`flood: ${attackers} attackers (wrong password, new connection each), ${seconds} s`);
    console.log(`  scrapes on new connections: ${scrapes.length}, statuses ${JSON.stringify(Object.fromEntries(scrapeStatuses))}`);
    console.log(`  scrape latency p50 ${fmt(percentile(scrapes, 50))}, p99 ${fmt(percentile(scrapes, 99))}, max ${fmt(Math.max(...scrapes))}`);
    console.log(`  attacker answers: ${JSON.stringify(Object.fromEntries(attackerStatuses))}`);

    // one refused attempt at a time, nothing else running
    const rounds = Number(values.rounds);
    const cases: Array<[string, string]> = [
      ['unknown user', basic('nobody', 'wrong-password')],
      ...Object.entries(USERS).map(([user, cost]): [string, string] => [`${user} (cost ${cost}), wrong password`, basic(user, 'wrong-password')]),
    ];
    console.log(`refused attempts, ${rounds} rounds, median (p10-p90):`);
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [name, authorization] of cases) times.get(name)?.push((await request(port, authorization)).ms);
    }
    for (const [name, list] of times) {
      console.log(`  ${name.padEnd(34)} ${fmt(percentile(list, 50))} (${fmt(percentile(list, 10))}-${fmt(percentile(list, 90))})`);
    }
  } finally {
    child.kill();
  }
}

await main();
