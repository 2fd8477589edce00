import { describe, expect, it } from '@jest/globals';
import { clientHost, LabelTally, labelValue, type TallyRow } from '../../src/collectors/labels.js';

function rows(tally: LabelTally, max: number): Array<[string, number, number | undefined]> {
  return tally.capped(max).map((row: TallyRow) => [row.labels.join('|'), row.count, row.max]);
}

describe('labelValue', () => {
  it('trims, lower-cases keyword columns only, and names the empty value unknown', () => {
    expect(labelValue(' OK ', true)).toBe('ok');
    expect(labelValue(' Alice ')).toBe('Alice');
    expect(labelValue('')).toBe('unknown');
    expect(labelValue('   ', true)).toBe('unknown');
    expect(labelValue(undefined)).toBe('unknown');
  });
});

describe('clientHost', () => {
  it.each([
    ['10.0.0.5:51234', '10.0.0.5'],
    ['[::1]:3306', '::1'],
    ['[fe80::1]', 'fe80::1'],
    ['fe80::1', 'fe80::1'],
    ['app-1.internal:3306', 'app-1.internal'],
    ['app-1.internal', 'app-1.internal'],
    [' 10.0.0.5:1 ', '10.0.0.5'],
    ['', 'unknown'],
    [':3306', 'unknown'],
  ])('%s → %s', (raw, host) => {
    expect(clientHost(raw)).toBe(host);
  });
});

describe('LabelTally', () => {
  it('counts a row without a value but leaves it out of the max; a tuple with no value at all has none', () => {
    const tally = new LabelTally(2, 100);
    tally.add(undefined, 'running', 'query');
    tally.add(7, 'running', 'query');
    tally.add(undefined, 'running', 'query');
    tally.add(undefined, 'idle', 'sleep');
    expect(rows(tally, 10)).toEqual([['idle|sleep', 1, undefined], ['running|query', 3, 7]]);
    expect(rows(tally, 1)).toEqual([['other|other', 4, 7]]);
  });

  it('publishes every value, in label order, when there are no more than max', () => {
    const tally = new LabelTally(1, 100);
    for (const user of ['b', 'a', 'b']) tally.add(0, user);
    expect(rows(tally, 2)).toEqual([['a', 1, 0], ['b', 2, 0]]);
  });

  it('keeps max - 1 values and folds the rest into other, so there are never more than max series', () => {
    const tally = new LabelTally(1, 100);
    // user00 has 1 session, user01 2, ... user24 25.
    for (let i = 0; i < 25; i++) for (let n = 0; n <= i; n++) tally.add(0, `user${String(i).padStart(2, '0')}`);
    const capped = rows(tally, 20);
    expect(capped).toHaveLength(20);
    expect(capped.slice(0, 19).map(([user]) => user)).toEqual(Array.from({ length: 19 }, (_, i) => `user${String(i + 6).padStart(2, '0')}`));
    // user00..user05 hold 1+2+...+6 sessions.
    expect(capped[19]).toEqual(['other', 21, 0]);
    expect(capped.reduce((sum, [, count]) => sum + count, 0)).toBe(325);
  });

  it('breaks ties by label value', () => {
    const tally = new LabelTally(1, 100);
    for (const user of ['d', 'c', 'b', 'a']) tally.add(0, user);
    expect(rows(tally, 3)).toEqual([['a', 1, 0], ['b', 1, 0], ['other', 2, 0]]);
  });

  it('folds pairs into other/other, summing counts and keeping the largest value', () => {
    const tally = new LabelTally(2, 100);
    tally.add(5, 'ok', 'query');
    tally.add(7, 'ok', 'query');
    tally.add(100, 'ok', 'sleep');
    tally.add(3, 'err', 'query');
    expect(rows(tally, 2)).toEqual([['ok|query', 2, 7], ['other|other', 2, 100]]);
  });

  it('with max 1, publishes only other', () => {
    const tally = new LabelTally(1, 100);
    tally.add(0, 'a');
    tally.add(0, 'b');
    expect(rows(tally, 1)).toEqual([['other', 2, 0]]);
  });

  it('merges a genuine value spelled other into the fold instead of duplicating the series', () => {
    const tally = new LabelTally(1, 100);
    for (const user of ['other', 'other', 'other', 'a', 'a', 'b']) tally.add(0, user);
    expect(rows(tally, 2)).toEqual([['a', 2, 0], ['other', 4, 0]]);
    expect(rows(tally, 3)).toEqual([['a', 2, 0], ['b', 1, 0], ['other', 3, 0]]);
  });

  it('counts values as sent and publishes them normalised, merging those that normalise alike', () => {
    const lower = (raw: string): string => raw.trim().toLowerCase();
    const tally = new LabelTally(2, 100, [lower, lower]);
    tally.add(5, 'OK', 'Sleep');
    tally.add(9, ' ok', 'sleep ');
    tally.add(undefined, 'ok', 'SLEEP');
    tally.add(2, 'ok', 'Query');
    tally.add(1, 'Other', 'OTHER');
    expect(rows(tally, 10)).toEqual([['ok|query', 1, 2], ['ok|sleep', 3, 9], ['other|other', 1, 1]]);
    // A value that normalises to other joins the fold.
    expect(rows(tally, 2)).toEqual([['ok|sleep', 3, 9], ['other|other', 2, 2]]);
  });

  it('tracks at most trackLimit distinct values; later ones count straight into other', () => {
    const tally = new LabelTally(1, 3);
    for (const user of ['a', 'b', 'c', 'd', 'e', 'e', 'a']) tally.add(0, user);
    // d and e were never tracked: they are other even though e outnumbers b and c.
    expect(rows(tally, 10)).toEqual([['a', 2, 0], ['b', 1, 0], ['c', 1, 0], ['other', 3, 0]]);
  });
});
