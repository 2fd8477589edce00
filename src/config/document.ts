// What both configuration files share between their text and their schema: the YAML parsed
// without quoting its source (a line may hold a secret, so yaml's own messages are replaced by
// ours), zod's issues turned into problems, and the problems put in the order of the file, which
// is how people read and fix it.
import { isNode, LineCounter, parseDocument, type Document, type ErrorCode } from 'yaml';
import type { z } from 'zod';
import { formatProblem, type PathSegment, type Problem } from './problems.js';

export type ParsedYaml = { document: Document; value: unknown } | { problems: string[] };

/**
 * What each YAML error means, in words of our own: yaml's messages quote the text they trip over
 * (`Block scalar header includes extra characters: >Pa55-word`), which may be a secret. Problems
 * name the position and this kind, never the source.
 */
const YAML_ERRORS: Record<ErrorCode, string> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'malformed alias',
  BAD_DIRECTIVE: 'malformed directive',
  BAD_DQ_ESCAPE: 'invalid escape in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'anchor and tag in the wrong order',
  BAD_SCALAR_START: 'a plain value cannot start with this character (quote the value)',
  BLOCK_AS_IMPLICIT_KEY: 'a block value cannot be a key',
  BLOCK_IN_FLOW: 'a block value inside a flow collection ([...] or {...})',
  DUPLICATE_KEY: 'duplicate key',
  IMPOSSIBLE: 'unparsable YAML',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'a key spans several lines',
  MULTIPLE_ANCHORS: 'a node with more than one anchor',
  MULTIPLE_DOCS: 'more than one YAML document',
  MULTIPLE_TAGS: 'a node with more than one tag',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'too many aliases',
  TAB_AS_INDENT: 'a tab used for indentation',
  TAG_RESOLVE_FAILED: 'unknown tag',
  UNEXPECTED_TOKEN: 'unexpected character (quote the value)',
  BAD_COLLECTION_TYPE: 'a value of the wrong collection type',
};

/** The document and its plain value, or the syntax problems by line and column. */
export function parseYaml(text: string, maxAliasCount: number): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `line ${line}, column ${col}: invalid YAML: ${YAML_ERRORS[error.code] ?? 'syntax error'} (${error.code})`;
      }),
    };
  }
  try {
    return { document, value: document.toJS({ maxAliasCount }) };
  } catch {
    // e.g. an alias to an anchor that is defined later: yaml's message names the text
    return { problems: ['(top level): invalid YAML: an alias that cannot be resolved, or too many aliases'] };
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
