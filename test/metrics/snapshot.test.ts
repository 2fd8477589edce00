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
      '# HELP huaweicloud_db_up 1 if the last poll of this target by this collector succeeded, else 0; after a failure the last good values stay for up to collectors.grace_polls failed polls.',
      '# TYPE huaweicloud_db_up gauge',
      'huaweicloud_db_up{collector="alpha",instance_id="a"} 1',
      'huaweicloud_db_up{collector="alpha",instance_id="b"} 0',
      '# HELP huaweicloud_db_last_success_timestamp_seconds Unix time of the last successful poll of this target by this collector: the age of its values.',
      '# TYPE huaweicloud_db_last_success_timestamp_seconds gauge',
      `huaweicloud_db_last_success_timestamp_seconds{collector="alpha",instance_id="a"} ${at}`,
      '',
    ].join('\n'));
    // The parts' gzip members, one after the other, are the whole text.
    expect(gunzipSync(Buffer.concat(store.current().parts.map((part) => part.gzip()))).toString()).toBe(store.current().text);
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

  it('keeps the last good samples through grace_polls failed polls, with up 0 and the old success time', async () => {
    const store = new SnapshotStore(collectors);
    store.gracePolls = 2;
    const good = await pollOf('alpha', { a: 7, b: 1 });
    store.commit(good);
    const lastGood = `huaweicloud_db_last_success_timestamp_seconds{collector="alpha",instance_id="a"} ${good.startedAt / 1000}`;
    for (const failed of [1, 2]) {
      store.commit(await pollOf('alpha', { a: new Error(`blip ${failed}`), b: 2 }));
      const text = store.current().text;
      expect({ failed, kept: text.includes('test_sessions{instance_id="a"} 7\n') }).toEqual({ failed, kept: true });
      expect(text).toContain('huaweicloud_db_up{collector="alpha",instance_id="a"} 0');
      expect(text).toContain(lastGood);
      expect(text).toContain('test_sessions{instance_id="b"} 2\n');
    }
    // The third failure in a row is past the grace: the values go, the health stays.
    store.commit(await pollOf('alpha', { a: new Error('down'), b: 3 }));
    expect(store.current().text).not.toContain('test_sessions{instance_id="a"}');
    expect(store.current().text).toContain(lastGood);
    // A success starts the count afresh: one failure after it keeps the new values.
    store.commit(await pollOf('alpha', { a: 8, b: 3 }));
    store.commit(await pollOf('alpha', { a: new Error('blip'), b: 3 }));
    expect(store.current().text).toContain('test_sessions{instance_id="a"} 8\n');
  });

  it('drops the values of a failed target at once with grace_polls 0', async () => {
    const store = new SnapshotStore(collectors);
    store.commit(await pollOf('alpha', { a: 7 }));
    store.commit(await pollOf('alpha', { a: new Error('blip') }));
    expect(store.current().text).not.toContain('test_sessions{instance_id="a"}');
  });

  it('labels health series with the ids of the described target, after collector: both ids for an HTAP target', async () => {
    const store = new SnapshotStore(collectors);
    const poll = new Poll('alpha');
    poll.described.set('h1', { name: 'olap', projectId: 'p1', region: 'r1', instanceId: 't1', htapInstanceId: 'h1' });
    await poll.run('h1', async () => undefined);
    store.commit(poll);
    expect(store.current().text).toContain('huaweicloud_db_up{collector="alpha",instance_id="t1",htap_instance_id="h1"} 1\n');
    expect(store.current().text).toContain(`huaweicloud_db_last_success_timestamp_seconds{collector="alpha",instance_id="t1",htap_instance_id="h1"} ${poll.startedAt / 1000}\n`);
  });

  it("keeps each collector's part as it was committed: another collector's commit neither copies nor gzips it again", async () => {
    const store = new SnapshotStore(collectors);
    store.commit(await pollOf('alpha', { a: 5 }));
    const alpha = store.current().parts[0];
    const gzipped = alpha?.gzip();
    store.commit(new Poll('beta'));
    const after = store.current().parts;
    // alpha, beta, then the health families
    expect(after).toHaveLength(3);
    expect(after[0]).toBe(alpha);
    expect(after[0]?.gzip()).toBe(gzipped);
    expect(after[0]?.body.toString()).toContain('test_sessions{instance_id="a"} 5\n');
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
