// V8 heap settings for a process that reads hundreds of megabytes of answers per poll cycle and
// keeps a few tens of megabytes. HEAP_FLAGS are set at start-up by main (so the image, the chart
// and `npm start` all run with them) and by the benchmark, which runs the exporter in its own
// process: V8 reads both at each collection, so setting them at run time takes effect (measured
// in BENCHMARKS.md: peak RSS at the target scale 268 → 202 MB, CPU per cycle unchanged). With
// them, the full collection after polls that keeps an idle exporter small (tuneHeap).
// START_FLAGS and START_ENV cannot be set that way and are on the command lines that start the
// process.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * - No allocation-site pretenuring: once objects of one allocation site (the session entries
 *   of json-select) had outlived young collections, V8 allocated all later ones straight in the
 *   old generation, where each stayed, with the strings it points at, until the next full
 *   collection: about half of what the old generation received per cycle.
 * - The old generation may grow to 2 × what the last full collection kept, rather than up to
 *   4 ×: what it keeps between polls is small. 1.5 × (50 %) cost a full collection for every
 *   12 MB or so promoted, and so a third more of V8's helper-thread time, for 10–15 MB of RSS.
 */
export const HEAP_FLAGS = ['--no-allocation-site-pretenuring', '--heap-growing-percent=100'] as const;

/**
 * Node options the process is started with, because they size the heap as it is created: the
 * young generation's semi-spaces capped at 4 MB rather than node's 16. At the target scale the
 * young generation filled to its cap between collections and kept it, 30 MB of peak RSS, for
 * objects that died young anyway; 1 and 2 MB made the scavenges cost more CPU than they saved
 * (BENCHMARKS.md). `npm start`, `npm run demo`, `npm run bench` and the image's entrypoint (so the
 * chart too) pass them; test/heap-tuning.test.ts holds the four to this list.
 */
export const START_FLAGS = ['--max-semi-space-size=4'] as const;

/**
 * Environment the process is started with, because glibc reads it once, as the process starts.
 * - One malloc arena: V8's helper threads (parallel scavenges, concurrent marking and sweeping)
 *   each took one of their own, and what an arena frees stays in the process.
 * - free() gives memory at the top of the heap back to the system beyond 128 kB, rather than
 *   beyond a threshold that rises with the largest block ever freed; blocks over 128 kB are
 *   mapped on their own and unmapped when freed. An answer's bytes are such blocks.
 * Together 10–12 MB less peak RSS at the target scale, which buys the heap growth above
 * (BENCHMARKS.md). The same places as START_FLAGS set it: the image as ENV lines, the npm
 * scripts before `node`.
 */
export const START_ENV = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '131072' } as const;

/** START_ENV as the `NAME=value` words of a command line. */
export function startEnvWords(): string[] {
  return Object.entries(START_ENV).map(([name, value]) => `${name}=${value}`);
}

/** The least time between two of the full collections tuneHeap's caller runs after polls. */
export const IDLE_COLLECTION_INTERVAL_MS = 60_000;

/**
 * Sets HEAP_FLAGS and returns what to call whenever the last poll in flight has finished: a full
 * collection, at most one per IDLE_COLLECTION_INTERVAL_MS. V8 collects the old generation once it
 * has grown to twice what the last full collection kept, and keeps the pages it grew by. Between
 * polls nothing allocates, so what each poll left there (the snapshot parts that outlived a
 * young collection; the answers' buffers too, before HttpResponse.release) waited for minutes
 * while the old generation grew: on the demo fleet 84 MB of RSS after 6 minutes against 75 with
 * this, at 14–19 ms a collection (BENCHMARKS.md). The collection is synchronous: it holds the event loop that long, once a minute.
 */
export function tuneHeap(): () => void {
  for (const flag of HEAP_FLAGS) v8.setFlagsFromString(flag);
  return atMostEvery(IDLE_COLLECTION_INTERVAL_MS, fullCollection());
}

/** V8's gc(), a full collection, without --expose-gc on the command line: contexts made after
 *  the flag is set get it. */
export function fullCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** `action`, skipped when it last ran less than `intervalMs` ago. */
export function atMostEvery(intervalMs: number, action: () => void, now: () => number = () => performance.now()): () => void {
  let last = -Infinity;
  return () => {
    const at = now();
    if (at - last < intervalMs) return;
    last = at;
    action();
  };
}
