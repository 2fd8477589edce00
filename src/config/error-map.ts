// Plain-language messages for the issues zod raises itself, shared by both configuration files
// (the exporter's and the web config), so that a wrong type or a misspelt key reads the same in
// either: `expected a string, got a number (quote the value)`, `unknown key (did you mean
// cert_file?)`.
import type { z } from 'zod';

function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'true/false';
    case 'object': return 'a mapping';
    default: return typeof value;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known key nearest to `key`, ignoring case (header names are capitalised), if one is near enough. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Per-parse error map: plain-language messages for zod's own issues. Messages never include
 * the offending value (it may be a secret). For `unrecognized_keys` it returns one line per
 * key, in the order of `issue.keys`.
 */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type': {
      if (iss.input === undefined) return 'required';
      const expected = EXPECTED[iss.expected] ?? iss.expected;
      const got = describe(iss.input);
      const hint = iss.expected === 'string' && (typeof iss.input === 'number' || typeof iss.input === 'boolean')
        ? ' (quote the value)' : '';
      return `expected ${expected}, got ${got}${hint}`;
    }
    case 'unrecognized_keys': {
      const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
      const known = shape ? Object.keys(shape) : [];
      return iss.keys
        .map((key) => {
          const suggestion = closest(key, known);
          return suggestion ? `unknown key (did you mean ${suggestion}?)` : 'unknown key';
        })
        .join('\n');
    }
    case 'invalid_value':
      return `must be one of ${iss.values.map((value) => String(value)).join(', ')}`;
    default:
      return undefined;
  }
};
