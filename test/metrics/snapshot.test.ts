import { describe, expect, it } from '@jest/globals';
import { gunzipSync } from 'node:zlib';
import { Poll, SnapshotStore, escapeLabelValue, gaugeFamily } from '../../src/metrics/snapshot.js';

const SESSIONS = gaugeFamily('test_sessions', 'Sessions, as of the last poll.', ['instance_id']);
const INFO = gaugeFamily('test_info', 'Names.', ['instance_id', 'name']);
const collectors = [
  { name: 'alpha', families: [SESSIONS, INFO] },
  { name: 'beta', families: [gaugeFamily('test_beta', 'Beta.', [])] },
];

async function pollOf(collector: string, outcomes: Record<string, number | Error>): Promise<Poll> {
  const poll = new Poll(collector);
  for (const [id, outcome] of Object.entries(outcomes)) {
    await poll.run(id, async (samples) => {
      if (outcome instanceof Error) throw outcome;
      samples.set(SESSIONS, { instance_id: id }, outcome);
    });
  }
  return poll;
}

describe('SnapshotStore', () => {
  it('renders families once each, with every target of the poll, then up and last success', async () => {
    const store = new SnapshotStore(collectors);
    const poll = await pollOf('alpha', { a: 3, b: new Error('boom') });
    poll.metadata.set(INFO, { instance_id: 'b', name: 'orders "eu"' }, 1);
    store.commit(poll);
    const at = poll.startedAt / 1000;
    expect(store.current().text).toBe([
      '# HELP test_sessions Sessions, as of the last poll.',
      '# TYPE test_sessions gauge',
      'test_sessions{instance_id="a"} 3',
      '# HELP test_info Names.',
      '# TYPE test_info gauge',
      'test_info{instance_id="b",name="orders \\"eu\\""} 1',
      '# HELP huaweicloud_db_up 1 if the last poll of this target by this collector succeeded, else 0; values come from the last poll.',
      '# TYPE huaweicloud_db_up gauge',
      'huaweicloud_db_up{collector="alpha",instance_id="a"} 1',
      'huaweicloud_db_up{collector="alpha",instance_id="b"} 0',
      '# HELP huaweicloud_db_last_success_timestamp_seconds Unix time of the last successful poll of this target by this collector.',
      '# TYPE huaweicloud_db_last_success_timestamp_seconds gauge',
      `huaweicloud_db_last_success_timestamp_seconds{collector="alpha",instance_id="a"} ${at}`,
      '',
    ].join('\n'));
    expect(gunzipSync(store.current().gzip()).toString()).toBe(store.current().text);
  });

  it('swaps a whole poll in: vanished targets vanish, a failed target keeps only its last success time', async () => {
    const store = new SnapshotStore(collectors);
    const first = await pollOf('alpha', { a: 1, b: 2, c: 3 });
    store.commit(first);
    const second = await pollOf('alpha', { a: 10, b: new Error('down') });
    store.commit(second);
    const text = store.current().text;
    expect(text).toContain('test_sessions{instance_id="a"} 10');
    expect(text).not.toContain('instance_id="b"} 2');
    expect(text).not.toContain('instance_id="c"');
    expect(text).toContain('huaweicloud_db_up{collector="alpha",instance_id="b"} 0');
    expect(text).toContain(`huaweicloud_db_last_success_timestamp_seconds{collector="alpha",instance_id="b"} ${first.startedAt / 1000}`);
    expect(text).toContain(`huaweicloud_db_last_success_timestamp_seconds{collector="alpha",instance_id="a"} ${second.startedAt / 1000}`);
    expect(store.targetStats('alpha')).toEqual({ targets: 2, up: 1 });
  });

  it('is ready only once every collector has committed a poll', async () => {
    const store = new SnapshotStore(collectors);
    expect(store.ready).toBe(false);
    store.commit(await pollOf('alpha', {}));
    expect(store.ready).toBe(false);
    store.commit(new Poll('beta'));
    expect(store.ready).toBe(true);
  });

  it('publishes nothing of a target whose fill fails half-way', async () => {
    const store = new SnapshotStore(collectors);
    const poll = new Poll('alpha');
    await poll.run('x', async (samples) => {
      samples.set(SESSIONS, { instance_id: 'x' }, 5);
      throw new Error('page 2 failed');
    });
    store.commit(poll);
    expect(store.current().text).not.toContain('test_sessions');
    expect(store.current().text).toContain('huaweicloud_db_up{collector="alpha",instance_id="x"} 0');
  });

  it('escapes label values and refuses a missing label', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const poll = new Poll('alpha');
    expect(() => poll.metadata.set(INFO, { instance_id: 'x' }, 1)).toThrow('label name missing');
  });
});
