// Benchmark child: the /metrics load generator, in its own process so that on a 2-core machine
// its CPU does not come out of the server's. `run` = N keep-alive clients, each sending its next
// GET as soon as the previous answer is read, for a warm-up then a measured window; bodies are
// read to the end and counted, not decompressed or parsed (that is the scraper's cost, not the
// server's). Bounded in time (warm-up + window) and in count (maxRequests).
import http from 'node:http';
import { percentile, serveParent } from './ipc.js';

interface RunArgs {
  url: string;
  headers: Record<string, string>;
  clients: number;
  warmupMs: number;
  durationMs: number;
  maxRequests: number;
}

interface Measured {
  requests: number;
  errors: number;
  bytes: number;
  latencies: number[];
}

function get(agent: http.Agent, url: URL, headers: Record<string, string>): Promise<{ status: number; bytes: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'GET', headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, encoding: res.headers['content-encoding'] }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('scrape timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function run(args: RunArgs): Promise<Record<string, unknown>> {
  const url = new URL(args.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.clients });
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const measureFrom = start + args.warmupMs;
  const end = measureFrom + args.durationMs;
  const measured: Measured = { requests: 0, errors: 0, bytes: 0, latencies: [] };
  let total = 0;
  let encoding: string | undefined;

  const client = async (): Promise<void> => {
    while (total < args.maxRequests) {
      const sent = performance.now();
      if (sent >= end) return;
      total += 1;
      let ok = false;
      let bytes = 0;
      try {
        const answer = await get(agent, url, args.headers);
        ok = answer.status === 200;
        bytes = answer.bytes;
        encoding = answer.encoding;
      } catch {
        ok = false;
      }
      const done = performance.now();
      // A scrape counts when its answer completed inside the measured window.
      if (done >= measureFrom && done <= end) {
        if (ok) {
          measured.requests += 1;
          measured.bytes += bytes;
          measured.latencies.push(done - sent);
        } else {
          measured.errors += 1;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: args.clients }, client));
  agent.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  const wall = performance.now() - start;
  const sorted = Float64Array.from(measured.latencies).sort();
  // Throughput over the measured window (warm-up excluded).
  const seconds = args.durationMs / 1000;
  return {
    requests: measured.requests,
    errors: measured.errors,
    totalRequests: total,
    rps: measured.requests / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanBytes: measured.requests > 0 ? measured.bytes / measured.requests : 0,
    contentEncoding: encoding ?? 'identity',
    /** share of one core the load generator used over the run */
    loadCpuShare: (cpu.user + cpu.system) / 1000 / wall,
  };
}

serveParent(async (message) => {
  if (message.type === 'run') return run(message['args'] as RunArgs);
  throw new Error(`unknown request ${message.type}`);
}, async () => undefined);

process.send?.({ type: 'ready' });
