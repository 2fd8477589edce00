// Loading the configuration file: YAML → `${VAR}` interpolation → schema (which also reads the
// `*_file` secrets and fills in defaults) → `Config`. Every problem found is reported at once,
// each prefixed with its path in the file; nothing half-valid is ever returned.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document, type ErrorCode } from 'yaml';
import type { z } from 'zod';
import { interpolate } from './interpolate.js';
import { formatProblem, isUnder, type PathSegment, type Problem } from './problems.js';
import { configErrorMap, configSchema } from './schema.js';
import type { Config } from './types.js';

export class ConfigError extends Error {
  /** one line per problem, each starting with its path in the file (`projects[0].auth.type: ...`) */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads, interpolates, resolves `*_file` secrets (relative to the config file's folder) and
 * validates the file. Throws ConfigError listing every problem.
 */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([`${path}: cannot read the configuration file: ${code === 'ENOENT' ? 'no such file' : code}`]);
  }
  return parseConfig(text, env, dirname(file));
}

/** Same as loadConfig, from the file's text; `baseDir` resolves relative file paths. */
export function parseConfig(text: string, env: NodeJS.ProcessEnv, baseDir: string): Config {
  const document = parseYaml(text);
  const interpolated = interpolate(toJS(document), env);
  const result = configSchema({ baseDir }).safeParse(interpolated.value, { error: configErrorMap });

  const problems: Problem[] = [...interpolated.problems];
  if (!result.success) {
    // a value whose interpolation failed has been reported already; its schema issues would only repeat it
    const reported = interpolated.problems.map((problem) => problem.path);
    for (const problem of result.error.issues.flatMap(toProblems)) {
      if (!reported.some((path) => isUnder(problem.path, path))) problems.push(problem);
    }
  }
  if (problems.length > 0) {
    // in the order of the file, which is how people read and fix it (sort is stable)
    const ordered = problems
      .map((problem) => ({ problem, at: position(document, problem.path) }))
      .sort((a, b) => a.at - b.at)
      .map(({ problem }) => formatProblem(problem));
    throw new ConfigError(ordered);
  }
  if (!result.success) throw new ConfigError(['(top level): invalid configuration']);
  return result.data;
}

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

function parseYaml(text: string): Document {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(document.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `line ${line}, column ${col}: invalid YAML: ${YAML_ERRORS[error.code] ?? 'syntax error'} (${error.code})`;
    }));
  }
  return document;
}

function toJS(document: Document): unknown {
  try {
    return document.toJS({ maxAliasCount: 1000 });
  } catch {
    // e.g. an alias to an anchor that is defined later: yaml's message names the text
    throw new ConfigError(['(top level): invalid YAML: an alias that cannot be resolved, or too many aliases']);
  }
}

/** Offset in the text of the deepest node that exists along `path` (0 if none does). */
function position(document: Document, path: readonly PathSegment[]): number {
  for (let depth = path.length; depth > 0; depth--) {
    const node: unknown = document.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

function toProblems(issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  if (issue.code === 'unrecognized_keys') {
    const lines = issue.message.split('\n');
    return issue.keys.map((key, index) => ({ path: [...path, key], message: lines[index] ?? 'unknown key' }));
  }
  return [{ path, message: issue.message }];
}
