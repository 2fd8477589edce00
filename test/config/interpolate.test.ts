import { describe, expect, it } from '@jest/globals';
import { interpolate, interpolateString } from '../../src/config/interpolate.js';

describe('interpolateString', () => {
  const env = { SET: 'value', EMPTY: '', WITH_DOLLAR: 'a${B}c' };

  it.each([
    ['${SET}', 'value'],
    ['pre-${SET}-post', 'pre-value-post'],
    ['${SET}${SET}', 'valuevalue'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${UNSET:-}', ''],
    ['${SET:-fallback}', 'value'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY}', ''],
    ['$${SET}', '${SET}'],
    ['$$${SET}', '$${SET}'], // leftmost first: a lone "$", then the escape
    ['cost: $5', 'cost: $5'],
    ['${WITH_DOLLAR}', 'a${B}c'],
    ['${UNSET:-a: b # c}', 'a: b # c'],
  ])('%j → %j', (text, expected) => {
    expect(interpolateString(text, env)).toEqual({ value: expected, problems: [] });
  });

  it('reports an unset variable by name and leaves the text as it was', () => {
    expect(interpolateString('x-${NOPE}-${SET}', env)).toEqual({
      value: 'x-${NOPE}-${SET}',
      problems: ['environment variable NOPE is not set'],
    });
  });

  it.each(['${}', '${1ABC}', '${A B}', '${A:+x}'])('reports the malformed reference %j', (text) => {
    expect(interpolateString(text, env).problems).toEqual([
      'invalid variable reference: write ${NAME} or ${NAME:-default}, or $${ for a literal "${"',
    ]);
  });

  it('reports an unterminated reference', () => {
    expect(interpolateString('abc${SET', env).problems).toEqual([
      'unterminated "${": write ${NAME} or ${NAME:-default}, or $${ for a literal "${"',
    ]);
  });

  it('reports a nested default', () => {
    expect(interpolateString('${A:-${SET}}', env).problems).toEqual(['nested references are not supported in the default of ${A:-...}']);
  });
});

describe('interpolate', () => {
  it('replaces string scalars anywhere in the tree and reports problems with their paths', () => {
    const tree = { a: '${SET}', list: [1, '${NOPE}', { deep: '${ALSO_NOPE:-d}' }], flag: true, none: null };
    expect(interpolate(tree, { SET: 's' })).toEqual({
      value: { a: 's', list: [1, '${NOPE}', { deep: 'd' }], flag: true, none: null },
      problems: [{ path: ['list', 1], message: 'environment variable NOPE is not set' }],
    });
  });

  it('keeps a __proto__ key as a plain key', () => {
    const tree = JSON.parse('{"__proto__": {"polluted": "${SET}"}}') as object;
    const { value } = interpolate(tree, { SET: 'x' });
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
