// The node options that size the heap as it is created cannot be set at run time: every command
// line that starts the exporter must carry them, as src/heap-tuning.ts lists them.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { START_FLAGS } from '../src/heap-tuning.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The options of a `node <options> <script> ...` command line. */
function nodeOptions(words: readonly string[]): string[] {
  expect(words[0]).toBe('node');
  const script = words.findIndex((word, i) => i > 0 && !word.startsWith('--'));
  return words.slice(1, script);
}

describe('start flags', () => {
  const scripts = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;

  it.each(['start', 'demo', 'bench'])('npm run %s starts node with them', (name) => {
    expect(nodeOptions((scripts[name] ?? '').split(/\s+/))).toEqual([...START_FLAGS]);
  });

  it("the image's entrypoint starts node with them (the chart keeps it: test/e2e/deploy.test.ts)", () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(`${ROOT}/Dockerfile`, 'utf8'))?.[1];
    const words = JSON.parse(entrypoint ?? '[]') as string[];
    expect(nodeOptions(words)).toEqual([...START_FLAGS]);
    expect(words.at(-1)).toBe('/app/dist/main.js');
  });
});
