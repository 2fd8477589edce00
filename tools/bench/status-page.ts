// Size and render time of the status page (/) and its JSON twin for the benchmark fleet's
// targets: 1,000 GaussDB and 500 TaurusDB instances with one StarRocks HTAP instance each, so
// 2,000 rows (session_overview 1,000, htap_instances 500, htap_processes 500), 1 % of them failing.
//   npm run build:tools && node build/tools/bench/status-page.js
import { gzipSync } from 'node:zlib';
import { CloudApiError } from '../../src/cloud/errors.js';
import { Poll } from '../../src/metrics/snapshot.js';
import { statusPage } from '../../src/server/pages/status-page.js';
import { targetsApi } from '../../src/server/pages/targets-api.js';
import { Fleet } from '../../src/simulator/fleet.js';
import { StatusBoard } from '../../src/status/target-status.js';

const RUNS = 50;
const fleet = Fleet.generate({ projects: 4, gaussdbPerProject: 250, taurusdbPerProject: 125, htapPerTaurus: 1, sessionsPerHtap: 0 });
const board = new StatusBoard();
const failure = (i: number): CloudApiError => new CloudApiError({
  api: 'gaussdb_session_overview', status: 400, errorCode: 'DBS.200022', errorMsg: 'Instance not found.', requestId: `${i}`.padStart(32, '0'),
});

async function record(collector: string, targets: Array<{ id: string; name: string; projectId: string; region: string; instanceId: string; htapInstanceId?: string }>): Promise<void> {
  const poll = new Poll(collector);
  for (const [i, target] of targets.entries()) {
    poll.described.set(target.id, target);
    await poll.run(target.id, async () => {
      if (i % 100 === 7) throw failure(i);
    });
  }
  board.scheduled(collector, '*/30 * * * * *');
  board.record(poll, 1234);
}

const projects = fleet.projects;
await record('session_overview', projects.flatMap((p) => p.gaussdb.map((g) => ({ id: g.id, name: g.name, projectId: p.projectId, region: p.region, instanceId: g.id }))));
await record('htap_instances', projects.flatMap((p) => p.taurusdb.map((t) => ({ id: t.id, name: t.name, projectId: p.projectId, region: p.region, instanceId: t.id }))));
await record('htap_processes', projects.flatMap((p) => p.taurusdb.flatMap((t) => t.htap.map((h) => ({
  id: h.id, name: t.name, projectId: p.projectId, region: p.region, instanceId: t.id, htapInstanceId: h.id,
})))));

function measure(name: string, render: () => string): void {
  const times: number[] = [];
  let body = '';
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    body = render();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  const bytes = Buffer.byteLength(body);
  const median = times[Math.floor(RUNS / 2)] ?? 0;
  const p95 = times[Math.floor(RUNS * 0.95)] ?? 0;
  process.stdout.write(`${name}: ${board.targetStatus().length} targets, ${(bytes / 1024).toFixed(0)} KiB `
    + `(${(gzipSync(body).length / 1024).toFixed(0)} KiB gzipped), render median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${RUNS} runs\n`);
}

measure('status page /', () => statusPage(board, { version: 'bench', telemetryPath: '/metrics', now: Date.now() }));
measure('/api/v1/targets', () => targetsApi(board, Date.now()));
