// What both configuration files share between their text and their schema: the YAML parsed
// without quoting its source (a line may hold a secret), zod's issues turned into problems, and
// the problems put in the order of the file, which is how people read and fix it.
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { formatProblem, type PathSegment, type Problem } from './problems.js';

export type ParsedYaml = { document: Document; value: unknown } | { problems: string[] };

/** The document and its plain value, or the syntax problems by line and column. */
export function parseYaml(text: string, maxAliasCount: number): ParsedYaml {
  const lineCounter = new LineCounter();
  // prettyErrors off: yaml's pretty messages quote the source line, which may hold a secret
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `line ${line}, column ${col}: ${error.message}`;
      }),
    };
  }
  try {
    return { document, value: document.toJS({ maxAliasCount }) };
  } catch (error) {
    return { problems: [`(top level): ${(error as Error).message}`] };
  }
}

/** A zod issue as problems: one per unknown key (each with its own "did you mean"), else one. */
export function issueProblems(issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  if (issue.code === 'unrecognized_keys') {
    const lines = issue.message.split('\n');
    return issue.keys.map((key, index) => ({ path: [...path, key], message: lines[index] ?? 'unknown key' }));
  }
  return [{ path, message: issue.message }];
}

/** The problems as lines (`path: message`), in the order of the file (ties keep their order). */
export function inFileOrder(document: Document, problems: readonly Problem[]): string[] {
  return problems
    .map((problem) => ({ problem, at: position(document, problem.path) }))
    .sort((a, b) => a.at - b.at)
    .map(({ problem }) => formatProblem(problem));
}

/** Offset in the text of the deepest node that exists along `path` (0 if none does). */
function position(document: Document, path: readonly PathSegment[]): number {
  for (let depth = path.length; depth > 0; depth--) {
    const node: unknown = document.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}
