import { describe, expect, it } from '@jest/globals';
import { BadResponseError, CloudApiError, TransportError } from '../../src/cloud/errors.js';
import { Poll } from '../../src/metrics/snapshot.js';
import { StatusBoard } from '../../src/status/target-status.js';

const about = (name: string) => ({ name, projectId: 'p1', region: 'ap-southeast-1', instanceId: `${name}-id` });

async function poll(outcomes: Record<string, Error | undefined>): Promise<Poll> {
  const result = new Poll('session_overview');
  for (const [id, error] of Object.entries(outcomes)) {
    result.described.set(id, about(id));
    await result.run(id, async () => {
      if (error) throw error;
    });
  }
  return result;
}

describe('StatusBoard', () => {
  it('records each error kind with its API, status, code, message and request id', async () => {
    const board = new StatusBoard();
    const p = await poll({
      alpha: new CloudApiError({ api: 'gaussdb_session_overview', status: 404, errorCode: 'DBS.200022', errorMsg: 'Instance not found.', requestId: 'r-1' }),
      beta: new TransportError('gaussdb_session_overview', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
      gamma: new BadResponseError('taurusdb_htap', 'instances: not an array', 'r-3'),
      delta: undefined,
    });
    board.record(p, 1234);
    const targets = board.targetStatus();
    expect(targets.map((t) => t.targetId)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(targets[0]).toMatchObject({
      name: 'alpha', instanceId: 'alpha-id', projectId: 'p1', region: 'ap-southeast-1', up: false, lastSuccess: undefined,
      lastError: { api: 'gaussdb_session_overview', httpStatus: 404, errorCode: 'DBS.200022', errorMsg: 'Instance not found.', requestId: 'r-1', at: p.startedAt },
    });
    expect(targets[1]?.lastError).toMatchObject({ httpStatus: undefined, errorCode: 'ECONNREFUSED', requestId: '' });
    expect(targets[2]?.lastError).toMatchObject({ api: 'taurusdb_htap', errorCode: '', requestId: 'r-3',
      errorMsg: 'taurusdb_htap: bad response: instances: not an array' });
    expect(targets[3]).toMatchObject({ up: true, lastSuccess: p.startedAt, lastError: undefined });
    expect(board.collectorStatus()).toEqual([{
      name: 'session_overview', schedule: '', lastPollStarted: p.startedAt, lastPollDurationMs: 1234, nextPoll: undefined,
      skippedPolls: 0, targets: 4, targetsUp: 1,
    }]);
  });

  it('orders targets failing first, then by name in code-unit order, whatever the locale', async () => {
    const board = new StatusBoard();
    board.record(await poll({ beta: undefined, Zeta: undefined, alpha: new CloudApiError({ api: 'x', status: 503 }), 'Alpha-2': undefined }), 1);
    // localeCompare would put alpha before Alpha-2 before beta before Zeta
    expect(board.targetStatus().map((t) => t.name)).toEqual(['alpha', 'Alpha-2', 'Zeta', 'beta']);
  });

  it('keeps the last error and the last success across outcomes, and forgets targets no longer polled', async () => {
    const board = new StatusBoard();
    const ok = await poll({ alpha: undefined, beta: undefined });
    board.record(ok, 1);
    const failing = await poll({ alpha: new CloudApiError({ api: 'x', status: 503, errorCode: 'SYS.0001' }), beta: undefined });
    board.record(failing, 1);
    expect(board.targetStatus()[0]).toMatchObject({ targetId: 'alpha', up: false, lastSuccess: ok.startedAt, lastError: { httpStatus: 503 } });
    const recovered = await poll({ alpha: undefined });
    board.record(recovered, 1);
    expect(board.targetStatus()).toEqual([expect.objectContaining({
      targetId: 'alpha', up: true, lastSuccess: recovered.startedAt, lastError: expect.objectContaining({ errorCode: 'SYS.0001', at: failing.startedAt }),
    })]);
  });

  it('tells the schedule, the next turn and skipped turns of each collector', () => {
    const board = new StatusBoard();
    const next = new Date('2030-01-01T00:00:30Z');
    board.scheduled('htap_processes', '*/30 * * * * *', () => next);
    board.skipped('htap_processes');
    board.skipped('htap_processes');
    expect(board.collectorStatus()).toEqual([expect.objectContaining({
      name: 'htap_processes', schedule: '*/30 * * * * *', nextPoll: next.getTime(), skippedPolls: 2, targets: 0,
    })]);
  });
});
