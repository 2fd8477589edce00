// The PromQL expressions of the documentation: every ```promql block of README.md and of each
// docs/*.md, whatever those files hold when the suite runs. In a block a line starting in the
// first column begins an expression, indented lines continue it, and `#` lines (with blank
// lines) separate them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DocExpression {
  /** file and line of the expression's first line, e.g. docs/promql.md:31 */
  source: string;
  expr: string;
}

export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join('docs', f));
  return ['README.md', ...docs];
}

export function promqlExpressions(file: string, text: string): DocExpression[] {
  const found: DocExpression[] = [];
  let inBlock = false;
  let current: { line: number; parts: string[] } | undefined;
  const flush = (): void => {
    if (current) found.push({ source: `${file}:${current.line}`, expr: current.parts.join(' ').replace(/\s+/g, ' ').trim() });
    current = undefined;
  };
  text.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) {
      flush();
      inBlock = !inBlock && /^\s*```promql\s*$/.test(line);
      return;
    }
    if (!inBlock) return;
    if (line.trim() === '' || line.trim().startsWith('#')) {
      flush();
    } else if (/^\s/.test(line) && current) {
      current.parts.push(line.trim());
    } else {
      flush();
      current = { line: index + 1, parts: [line.trim()] };
    }
  });
  flush();
  return found;
}

export function allDocExpressions(root: string): DocExpression[] {
  return docFiles(root).flatMap((file) => promqlExpressions(file, readFileSync(join(root, file), 'utf8')));
}
