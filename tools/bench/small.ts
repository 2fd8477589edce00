// `--small`: the demo fleet as a user first meets it. The exporter runs as its real command line
// (`node dist/main.js --config ...`, with START_ENV and START_FLAGS as `npm start` gives them) on the demo's
// configuration and schedules, against the simulator ticking every 10 s as in `npm run demo`.
// Measured: start-up to the first /metrics answer, and resident memory after `minutes` of
// polling (the real schedules, not accelerated), scraped every 15 s as Prometheus would.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { countSeries, parseExposition } from './exposition.js';
import { START_ENV, START_FLAGS, startEnvWords } from '../../src/heap-tuning.js';
import { Child, round } from './ipc.js';

const ROOT = new URL('../../../', import.meta.url);
const SCRAPE_EVERY_MS = 15_000;
const SAMPLE_EVERY_MS = 10_000;

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** VmRSS and VmHWM of a process, and what the RSS is made of: anonymous memory (the heaps) and
 *  pages of mapped files (the node binary and its libraries), MB. */
function memoryOf(pid: number): { rssMB: number; peakMB: number; anonymousMB: number; fileMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return {
    rssMB: round(kb('VmRSS') / 1024, 1), peakMB: round(kb('VmHWM') / 1024, 1),
    anonymousMB: round(kb('RssAnon') / 1024, 1), fileMB: round(kb('RssFile') / 1024, 1),
  };
}

/** An unlabelled gauge of an exposition, bytes as MB. */
function metricMB(exposition: string, name: string): number {
  const value = parseExposition(exposition).find((family) => family.name === name)?.samples[0]?.value;
  return value === undefined ? NaN : round(value / 1024 / 1024, 1);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function small(minutes: number, seed: number, log: (line: string) => void): Promise<Record<string, unknown>> {
  const sim = Child.start('simulator', './sim-child.js', [JSON.stringify({ seed, latencyMs: 0, tickMs: 10_000 })]);
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-small-'));
  try {
    const ready = await sim.waitFor('ready', 60_000) as unknown as { endpoints: Record<string, string> };
    const port = await freePort();
    const config = parse(readFileSync(new URL('config/demo.yaml', ROOT), 'utf8')) as {
      web: { listen_address: string }; projects: Array<{ endpoints: Record<string, string> }>;
    };
    config.web.listen_address = `127.0.0.1:${port}`;
    for (const project of config.projects) project.endpoints = { ...ready.endpoints };
    const configPath = join(dir, 'demo.yaml');
    writeFileSync(configPath, stringify(config));
    const url = `http://127.0.0.1:${port}/metrics`;

    log(`small: the exporter on the demo fleet (${[...startEnvWords(), ...START_FLAGS].join(' ')}), ${minutes} min of polling`);
    const started = performance.now();
    const exporter = spawn(process.execPath, [...START_FLAGS, fileURLToPath(new URL('dist/main.js', ROOT)), '--config', configPath, '--log-level', 'warn'], {
      env: { ...process.env, ...START_ENV },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => exporter.once('exit', (code) => resolve(code)));
    try {
      // Start-up: the first /metrics answer, then the first with every collector's data in it.
      let startupMs = NaN;
      let firstDataMs = NaN;
      const deadline = started + 30_000;
      while (performance.now() < deadline && Number.isNaN(firstDataMs)) {
        const answer = await get(url).catch(() => undefined);
        if (answer?.status === 200) {
          if (Number.isNaN(startupMs)) startupMs = performance.now() - started;
          if (answer.body.includes('huaweicloud_taurusdb_htap_sessions{')) firstDataMs = performance.now() - started;
        }
        if (Number.isNaN(firstDataMs)) await sleep(5);
      }
      if (Number.isNaN(firstDataMs)) throw new Error('the exporter did not answer /metrics with data within 30 s');
      log(`small: first /metrics answer after ${round(startupMs, 0)} ms, with data after ${round(firstDataMs, 0)} ms`);

      const samples: Array<{ minute: number; rssMB: number }> = [];
      const end = started + minutes * 60_000;
      let nextScrape = 0;
      let scrapes = 0;
      let series = 0;
      let lastBody = '';
      while (performance.now() < end) {
        const now = performance.now();
        if (now >= nextScrape) {
          const answer = await get(url);
          if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
          series = countSeries(answer.body);
          lastBody = answer.body;
          scrapes++;
          nextScrape = now + SCRAPE_EVERY_MS;
        }
        samples.push({ minute: round((now - started) / 60_000, 2), ...{ rssMB: memoryOf(exporter.pid as number).rssMB } });
        await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, end - performance.now())));
      }
      const memory = memoryOf(exporter.pid as number);
      const requests = (await sim.request({ type: 'stats' }, 30_000))['counts'] as Record<string, number>;
      return {
        minutes,
        nodeFlags: START_FLAGS,
        startEnv: START_ENV,
        startup: {
          firstMetricsAnswerMs: { value: round(startupMs, 0), target: '< 1000', pass: startupMs < 1000 },
          firstAnswerWithDataMs: round(firstDataMs, 0),
        },
        memory: {
          rssAfterPollingMB: { value: memory.rssMB, target: '<= 70', pass: memory.rssMB <= 70 },
          anonymousAfterPollingMB: memory.anonymousMB,
          // from the exporter's own process metrics at the last scrape: the anonymous memory's V8 share
          v8HeapTotalMB: metricMB(lastBody, 'nodejs_heap_size_total_bytes'),
          v8HeapUsedMB: metricMB(lastBody, 'nodejs_heap_size_used_bytes'),
          externalMB: metricMB(lastBody, 'nodejs_external_memory_bytes'),
          fileBackedAfterPollingMB: memory.fileMB,
          peakRssMB: memory.peakMB,
          samples,
        },
        scrapes,
        series,
        requestsByApi: requests,
        allPass: startupMs < 1000 && memory.rssMB <= 70,
      };
    } finally {
      exporter.kill('SIGTERM');
      await exited;
    }
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
