// Benchmark child: the bare-client floor in a process of its own, so that the exporter's process
// holds the exporter only (its peak memory is then the exporter's) and each side has the same
// kind of process to itself. `cycle` runs one poll cycle's requests after a full GC (not
// counted) and answers with its wall time and this process's CPU time.
import { createHash } from 'node:crypto';
import { bareCycle, type BareOptions } from './bare-client.js';
import { cpuSeconds, mainThreadCpuSeconds, serveParent } from './ipc.js';
import { PhaseProfiler } from './profile.js';
import { fullCollection } from '../../src/heap-tuning.js';

const gc = fullCollection();

/** `profileDir`: profile this cycle (as poll-bare.cpuprofile) and answer with its summary;
 *  `profilePromoted`: its allocation profile without what young collections freed. */
type CycleArgs = Omit<BareOptions, 'signal' | 'onAnswer'> & { timeoutMs: number; profileDir?: string; profilePromoted?: boolean };

serveParent(async (message) => {
  if (message.type === 'checksum') return answerChecksum(message['args'] as CycleArgs);
  if (message.type !== 'cycle') throw new Error(`unknown request ${message.type}`);
  const { timeoutMs, profileDir, profilePromoted, ...options } = message['args'] as CycleArgs;
  const profiler = new PhaseProfiler(profileDir, profilePromoted);
  gc();
  const cpu = process.cpuUsage();
  const mainThread = mainThreadCpuSeconds();
  const start = performance.now();
  const result = await profiler.phase('poll-bare', true, () => bareCycle({ ...options, signal: AbortSignal.timeout(timeoutMs) }));
  profiler.close();
  return {
    profile: profiler.summaries['poll-bare'],
    ...result,
    wallSeconds: (performance.now() - start) / 1000,
    cpuSeconds: cpuSeconds(process.cpuUsage(cpu)),
    mainThreadCpuSeconds: mainThreadCpuSeconds() - mainThread,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}, async () => undefined);

/**
 * One cycle (not timed) hashing every answer: SHA-256 over the sorted list of
 * SHA-256(path and query, NUL, body). Equal for two simulators exactly when they sent the same
 * bytes to the same requests, whatever order the answers came in.
 */
async function answerChecksum({ timeoutMs, ...options }: Omit<CycleArgs, 'profileDir' | 'profilePromoted'>): Promise<Record<string, unknown>> {
  const digests: string[] = [];
  let bytes = 0;
  const result = await bareCycle({
    ...options,
    signal: AbortSignal.timeout(timeoutMs),
    onAnswer: (pathAndQuery, body) => {
      bytes += body.length;
      digests.push(createHash('sha256').update(pathAndQuery).update('\0').update(body).digest('hex'));
    },
  });
  digests.sort();
  const all = createHash('sha256');
  for (const digest of digests) all.update(digest);
  return { ...result, answers: digests.length, bytes, sha256: all.digest('hex') };
}

process.send?.({ type: 'ready' });
