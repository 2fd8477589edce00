// The node options and the environment that shape the process as it starts cannot be set at run
// time: every command line that starts the exporter must carry them, as src/heap-tuning.ts lists them.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { START_ENV, START_FLAGS } from '../src/heap-tuning.js';

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
