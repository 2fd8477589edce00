// A configuration problem: where in the file (as a key path) and what is wrong with it.
// Paths print the way users read their YAML: `projects[0].auth.secret_key`.

export type PathSegment = string | number;

export interface Problem {
  path: PathSegment[];
  /** what is wrong; never contains a secret value */
  message: string;
}

/** `['projects', 0, 'auth', 'type']` → `projects[0].auth.type`; the empty path → `(top level)` */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(top level)';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    // a key that does not read as one (empty, or with dots or blanks) is quoted
    else if (!/^[A-Za-z0-9_-]+$/.test(segment)) text += `[${JSON.stringify(segment)}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

export function formatProblem(problem: Problem): string {
  return `${formatPath(problem.path)}: ${problem.message}`;
}

/** true if `path` is `prefix` or lies below it */
export function isUnder(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

/** An invalid configuration file: one line per problem, each starting with its path in the file (`projects[0].auth.type: ...`). */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
