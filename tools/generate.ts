// `npm run generate`: writes every generated file of the repository. test/tools/generated.test.ts
// fails when one of them is not what its generator renders, so a change to the code it is
// generated from must come with the regenerated file.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderValuesSchema, VALUES_SCHEMA } from './chart/values-schema.js';
import { renderMetricsReference } from './docs/metrics-reference.js';

export interface GeneratedFile {
  /** path from the repository's root */
  path: string;
  render(): string;
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: 'docs/metrics.md', render: renderMetricsReference },
  { path: VALUES_SCHEMA, render: renderValuesSchema },
];

/** The repository's root, from build/tools/ as from tools/ (under ts-jest). */
export function repositoryPath(path: string): string {
  const root = new URL(import.meta.url.includes('/build/tools/') ? '../../' : '../', import.meta.url);
  return fileURLToPath(new URL(path, root));
}

export function isCurrent(file: GeneratedFile): boolean {
  try {
    return readFileSync(repositoryPath(file.path), 'utf8') === file.render();
  } catch {
    return false;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of GENERATED_FILES) {
    const current = isCurrent(file);
    if (!current) writeFileSync(repositoryPath(file.path), file.render());
    process.stdout.write(`${file.path}: ${current ? 'up to date' : 'written'}\n`);
  }
}
