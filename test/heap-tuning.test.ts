// The node options and the environment that shape the process as it starts cannot be set at run
// time: every command line that starts the exporter must carry them, as src/heap-tuning.ts lists them.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { atMostEvery, IDLE_COLLECTION_INTERVAL_MS, START_ENV, START_FLAGS, tuneHeap } from '../src/heap-tuning.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The `NAME=value` words before `node` and the options after it, of `[NAME=value ...] node <options> <script> ...`. */
function startWords(words: readonly string[]): { env: Record<string, string>; options: string[] } {
  const node = words.indexOf('node');
  expect(node).toBeGreaterThanOrEqual(0);
  const env = Object.fromEntries(words.slice(0, node).map((word) => {
    const [name = '', ...value] = word.split('=');
    return [name, value.join('=')];
  }));
  const script = words.findIndex((word, i) => i > node && !word.startsWith('--'));
  return { env, options: words.slice(node + 1, script) };
}

describe('start flags and environment', () => {
  const scripts = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;

  it.each(['start', 'demo', 'bench'])('npm run %s starts node with them', (name) => {
    const { env, options } = startWords((scripts[name] ?? '').split(/\s+/));
    expect(options).toEqual([...START_FLAGS]);
    expect(env).toEqual(START_ENV);
  });

  it("the image's entrypoint starts node with them (the chart keeps it: test/e2e/deploy.test.ts)", () => {
    const dockerfile = readFileSync(`${ROOT}/Dockerfile`, 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    const words = JSON.parse(entrypoint ?? '[]') as string[];
    expect(startWords(words).options).toEqual([...START_FLAGS]);
    expect(words.at(-1)).toBe('/app/dist/main.js');
    const env = Object.fromEntries([...dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)].map(([, name, value]) => [name, value]));
    expect(env).toMatchObject(START_ENV);
  });
});

describe('the collection after polls', () => {
  it('runs at most once per interval', () => {
    let now = 0;
    let runs = 0;
    const collect = atMostEvery(IDLE_COLLECTION_INTERVAL_MS, () => { runs += 1; }, () => now);
    const at = (ms: number): number => {
      now = ms;
      collect();
      return runs;
    };
    expect([at(5_000), at(30_000), at(64_999), at(65_000), at(65_001), at(200_000)]).toEqual([1, 1, 1, 2, 2, 3]);
  });

  it('is a real full collection: an object nothing holds is gone after it', async () => {
    const collect = tuneHeap();
    const ref = ((): WeakRef<object> => new WeakRef({ payload: new Array(1000).fill('x') }))();
    // a WeakRef's target is kept until the job that made it ends
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    expect(ref.deref()).toBeUndefined();
  });
});
