// `${VAR}` and `${VAR:-default}` in the configuration file, replaced from the environment.
// Applied to the string scalars of the parsed YAML (never to the text), so a value holding
// YAML-special characters cannot change the document's structure, and comments are left alone.
// `$${` stands for a literal `${`. A substituted value is not scanned again.

import type { PathSegment, Problem } from './problems.js';

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export interface Interpolated<T> {
  value: T;
  problems: Problem[];
}

/**
 * Replaces references in one string. On a problem the string is returned unchanged, so that
 * nothing half-substituted travels on. Messages name variables, never their values.
 */
export function interpolateString(text: string, env: NodeJS.ProcessEnv): { value: string; problems: string[] } {
  const problems: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('$', i);
    if (start < 0) break;
    out += text.slice(i, start);
    if (text.startsWith('$${', start)) {
      out += '${';
      i = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      out += '$';
      i = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end < 0) {
      problems.push('unterminated "${": write ${NAME} or ${NAME:-default}, or $${ for a literal "${"');
      i = text.length;
      break;
    }
    const match = REFERENCE.exec(text.slice(start + 2, end));
    const name = match?.[1];
    const fallback = match?.[2];
    if (!match || name === undefined) {
      problems.push('invalid variable reference: write ${NAME} or ${NAME:-default}, or $${ for a literal "${"');
    } else if (fallback?.includes('${')) {
      problems.push(`nested references are not supported in the default of \${${name}:-...}`);
    } else {
      const set = env[name];
      if (set !== undefined && !(fallback !== undefined && set === '')) out += set;
      else if (fallback !== undefined) out += fallback;
      else problems.push(`environment variable ${name} is not set`);
    }
    i = end + 1;
  }
  out += text.slice(i);
  return problems.length > 0 ? { value: text, problems } : { value: out, problems };
}

/** Interpolates every string scalar of a parsed YAML tree; problems carry the scalar's key path. */
export function interpolate<T>(tree: T, env: NodeJS.ProcessEnv, path: PathSegment[] = []): Interpolated<T> {
  const problems: Problem[] = [];
  const ancestors = new Set<object>();
  const walk = (node: unknown, at: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, env);
      for (const message of result.problems) problems.push({ path: at, message });
      return result.value;
    }
    if (node === null || typeof node !== 'object') return node;
    if (ancestors.has(node)) {
      problems.push({ path: at, message: 'a YAML alias that contains itself is not supported' });
      return null;
    }
    ancestors.add(node);
    try {
      if (Array.isArray(node)) return node.map((item, index) => walk(item, [...at, index]));
      const copy: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) {
        // defineProperty: a `__proto__` key stays a plain key (and is then reported as unknown)
        Object.defineProperty(copy, key, { value: walk(value, [...at, key]), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    } finally {
      ancestors.delete(node);
    }
  };
  const value = walk(tree, path) as T;
  return { value, problems };
}
