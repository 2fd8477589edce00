// `--scale-curve`: the poll cycle at 0.25, 0.5, 1 and 2 times the target fleet, each step a
// bench run of its own (`--poll-only`, a fresh process, so its peak RSS is that step's alone),
// and whether cost grows at most linearly: CPU per request flat within 10 % across the steps,
// cycle time per request likewise, and peak RSS growing less than the fleet does.
// `--chart FILE.svg` also draws the curve (BENCHMARKS.md carries it rendered as PNG).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { round } from './ipc.js';
import { START_ENV, START_FLAGS } from '../../src/heap-tuning.js';

export const SCALE_FACTORS = [0.25, 0.5, 1, 2] as const;

export interface CurveOptions {
  gaussdb: number;
  taurusdb: number;
  sessions: number;
  cycles: number;
  seed: number;
  chart: string | undefined;
}

interface StepReport {
  poll: { requestsPerCycle: number; exporterSeconds: number; bareClientSeconds: number; idealSeconds: number; failedTargets: number };
  cpu: { exporterSecondsPerCycle: number; bareClientSecondsPerCycle: number; exporterMsPerRequest: number; bareClientMsPerRequest: number };
  memory: { peakRssAfterCyclesMB: number; bareClientPeakRssMB: number };
  machine: { loadAvgAtStart: number[]; loadAvgAtEnd: number[] };
  valid: boolean;
}

export interface Step {
  factor: number;
  gaussdb: number;
  taurusdb: number;
  requestsPerCycle: number;
  exporterCpuSecondsPerCycle: number;
  bareClientCpuSecondsPerCycle: number;
  exporterCpuMsPerRequest: number;
  bareClientCpuMsPerRequest: number;
  exporterCycleSeconds: number;
  bareClientCycleSeconds: number;
  idealSeconds: number;
  exporterCycleMsPerRequest: number;
  peakRssMB: number;
  bareClientPeakRssMB: number;
  loadAvg: number[];
}

/** Uncounted cycles per side for a step: the largest step's factor over this one's, rounded up. */
function warmupCycles(factor: number): number {
  return Math.ceil(Math.max(...SCALE_FACTORS) / factor);
}

function runStep(factor: number, o: CurveOptions, log: (line: string) => void): Promise<Step> {
  const gaussdb = Math.round(o.gaussdb * factor);
  const taurusdb = Math.round(o.taurusdb * factor);
  // Each step runs the exporter in its own process, started as `npm start` starts it (START_ENV too).
  const args = [...START_FLAGS, fileURLToPath(new URL('./main.js', import.meta.url)), '--poll-only', '--gaussdb', String(gaussdb), '--taurusdb', String(taurusdb),
    '--sessions', String(o.sessions), '--cycles', String(o.cycles), '--seed', String(o.seed),
    // Each step's fresh process sees at least as many requests before it is measured as the
    // largest step does in its one warm-up cycle: what is compared is steady state, not JIT warm-up.
    '--warmup-cycles', String(warmupCycles(factor))];
  log(`scale curve: ${factor}x (${gaussdb} GaussDB + ${taurusdb} TaurusDB)`);
  return new Promise((resolve, reject) => {
    // Each step is bounded by the child's own run deadline; this one only stops a hung child.
    execFile(process.execPath, args, { env: { ...process.env, ...START_ENV }, maxBuffer: 64 * 1024 * 1024, timeout: 40 * 60_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`scale step ${factor}x failed: ${error.message}\n${stderr.slice(-2000)}`));
        return;
      }
      const r = JSON.parse(stdout) as StepReport;
      if (!r.valid || r.poll.failedTargets > 0) {
        reject(new Error(`scale step ${factor}x was not valid (failed targets ${r.poll.failedTargets})`));
        return;
      }
      resolve({
        factor, gaussdb, taurusdb,
        requestsPerCycle: r.poll.requestsPerCycle,
        exporterCpuSecondsPerCycle: r.cpu.exporterSecondsPerCycle,
        bareClientCpuSecondsPerCycle: r.cpu.bareClientSecondsPerCycle,
        exporterCpuMsPerRequest: r.cpu.exporterMsPerRequest,
        bareClientCpuMsPerRequest: r.cpu.bareClientMsPerRequest,
        exporterCycleSeconds: r.poll.exporterSeconds,
        bareClientCycleSeconds: r.poll.bareClientSeconds,
        idealSeconds: r.poll.idealSeconds,
        exporterCycleMsPerRequest: round((r.poll.exporterSeconds * 1000) / r.poll.requestsPerCycle, 4),
        peakRssMB: r.memory.peakRssAfterCyclesMB,
        bareClientPeakRssMB: r.memory.bareClientPeakRssMB,
        loadAvg: [r.machine.loadAvgAtStart[0] ?? NaN, r.machine.loadAvgAtEnd[0] ?? NaN],
      });
    });
  });
}

/** Largest over smallest of positive values. */
const spread = (values: number[]): number => Math.max(...values) / Math.min(...values);

export async function scaleCurve(o: CurveOptions, log: (line: string) => void): Promise<Record<string, unknown>> {
  const steps: Step[] = [];
  const failed: Array<{ factor: number; error: string }> = [];
  // One step at a time: they share the machine's two cores. A failed step is reported, and the
  // curve goes on with the others (the checks then cover only the valid steps, and fail).
  for (const factor of SCALE_FACTORS) {
    try {
      steps.push(await runStep(factor, o, log));
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n').filter((line) => line.includes('failed')).slice(-1)[0] ?? error.message : String(error);
      log(`scale curve: ${factor}x failed: ${message}`);
      failed.push({ factor, error: message });
    }
  }
  if (steps.length < 2) return { steps, failed, allPass: false };
  const cpuSpread = spread(steps.map((s) => s.exporterCpuMsPerRequest));
  const cycleSpread = spread(steps.map((s) => s.exporterCycleMsPerRequest));
  // Sub-linear: from each step to the next (twice the fleet) RSS grows by less than twice as much.
  const rssGrowth = steps.slice(1).map((s, i) => round(s.peakRssMB / (steps[i] as Step).peakRssMB));
  const check = (name: string, value: number, target: string, pass: boolean): Record<string, unknown> => ({ name, value: round(value), target, pass });
  const checks = [
    check('cpu_ms_per_request_spread', cpuSpread, '<= 1.10', cpuSpread <= 1.10),
    check('cycle_ms_per_request_spread', cycleSpread, '<= 1.10', cycleSpread <= 1.10),
    check('peak_rss_growth_per_doubling_max', Math.max(...rssGrowth), '< 2', Math.max(...rssGrowth) < 2),
  ];
  if (o.chart) writeFileSync(o.chart, chart(steps));
  return { steps, failed, rssGrowthPerDoubling: rssGrowth, targets: checks, allPass: failed.length === 0 && checks.every((c) => c['pass'] === true) };
}

/** A small SVG: per-request CPU and cycle time (left axis, ms) and peak RSS (right axis, MB) per step. */
export function chart(steps: readonly Step[]): string {
  const w = 640;
  const h = 360;
  const m = { left: 100, right: 100, top: 40, bottom: 56 };
  const x = (i: number): number => m.left + (i * (w - m.left - m.right)) / Math.max(1, steps.length - 1);
  const maxMs = Math.max(...steps.flatMap((s) => [s.exporterCpuMsPerRequest, s.bareClientCpuMsPerRequest, s.exporterCycleMsPerRequest])) * 1.2;
  const maxMb = Math.max(...steps.map((s) => s.peakRssMB)) * 1.2;
  const yMs = (v: number): number => h - m.bottom - (v / maxMs) * (h - m.top - m.bottom);
  const yMb = (v: number): number => h - m.bottom - (v / maxMb) * (h - m.top - m.bottom);
  const line = (values: number[], y: (v: number) => number, colour: string, dash = ''): string =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`
    + values.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${colour}"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">Poll cycle cost against fleet size (npm run bench -- --scale-curve)</text>`,
    ...ticks.map((t) => `<line x1="${m.left}" x2="${w - m.right}" y1="${yMs(t * maxMs)}" y2="${yMs(t * maxMs)}" stroke="#ddd"/>`
      + `<text x="${m.left - 6}" y="${yMs(t * maxMs) + 4}" text-anchor="end">${(t * maxMs).toFixed(2)}</text>`
      + `<text x="${w - m.right + 6}" y="${yMb(t * maxMb) + 4}">${Math.round(t * maxMb)}</text>`),
    ...steps.map((s, i) => `<text x="${x(i)}" y="${h - m.bottom + 16}" text-anchor="middle">${s.factor}x (${s.requestsPerCycle} requests)</text>`),
    `<text x="50" y="${h / 2}" transform="rotate(-90 50 ${h / 2})" text-anchor="middle">ms per request</text>`,
    `<text x="${w - 50}" y="${h / 2}" transform="rotate(90 ${w - 50} ${h / 2})" text-anchor="middle">peak RSS, MB</text>`,
    line(steps.map((s) => s.exporterCpuMsPerRequest), yMs, '#1f77b4'),
    line(steps.map((s) => s.bareClientCpuMsPerRequest), yMs, '#1f77b4', '5 4'),
    line(steps.map((s) => s.exporterCycleMsPerRequest), yMs, '#2ca02c'),
    line(steps.map((s) => s.peakRssMB), yMb, '#d62728'),
    line(steps.map((s) => s.bareClientPeakRssMB), yMb, '#d62728', '5 4'),
    ...[
      ['#1f77b4', '', 'exporter CPU ms/request'], ['#1f77b4', '5 4', 'bare client CPU ms/request'], ['#2ca02c', '', 'exporter cycle ms/request'],
      ['#d62728', '', 'exporter peak RSS (MB)'], ['#d62728', '5 4', 'bare client peak RSS (MB)'],
    ].map(([colour, dash, label], i) => {
      const lx = 20 + (i % 3) * 205;
      const ly = h - 20 + Math.floor(i / 3) * 14;
      return `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`
        + `<text x="${lx + 28}" y="${ly}">${label}</text>`;
    }),
    '</svg>',
  ];
  return parts.join('\n');
}
