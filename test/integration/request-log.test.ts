// --log-level debug through the real daemon against the simulator: one `api request` line per
// request sent, IAM's included, with api, method, path, status, duration, the cloud's request id
// and the retry number, matching what the simulator saw; never a secret or a token.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStack, type Stack } from '../support/stack.js';
import { collectors, expectNoSecrets, RARELY, tick } from './faults-support.js';

const OVERVIEW = 'gaussdb_session_overview';
let stack: Stack;

beforeAll(async () => {
  // Password auth, so that the IAM token request is logged too; the stack logs at debug.
  stack = await startStack({ name: 'integration-request-log', auth: 'password', overrides: { collectors: collectors(RARELY) } });
  await stack.ready();
});

afterAll(async () => {
  await stack.stop();
});

const requestLines = (): Array<Record<string, unknown>> => stack.logs.records().filter((r) => r.msg === 'api request');

describe('debug request log', () => {
  it('logs every request the simulator saw, IAM\'s included, with status, duration, request id and retry 0', () => {
    const seen = stack.sim.requests.entries().filter((r) => r.api !== 'admin');
    const lines = requestLines();
    expect(lines.length).toBe(seen.length);
    const byId = new Map(lines.map((l) => [l.request_id, l]));
    for (const request of seen) {
      const line = byId.get(request.requestId);
      const query = Object.entries(request.query).map(([k, v]) => `${k}=${v}`).join('&');
      expect(line).toMatchObject({
        level: 'debug', api: request.api, method: request.method, path: query ? `${request.path}?${query}` : request.path,
        status: request.status, retry: 0, duration_ms: expect.any(Number),
      });
    }
    expect(lines.filter((l) => l.api === 'iam_token').map((l) => [l.method, l.path, l.status])).toEqual([['POST', '/v3/auth/tokens?nocatalog=true', 201]]);
    expectNoSecrets(stack);
  });

  it('numbers the retries of a request: 0 answered 503, then 1 answered 200', async () => {
    const victim = stack.sim.fleet.projects[0]?.gaussdb[0]?.id ?? '';
    const before = requestLines().length;
    stack.sim.faults.add({ api: OVERVIEW, instanceId: victim, kind: 'status', status: 503, times: 1 });
    await tick(stack, 'session_overview');
    const mine = requestLines().slice(before).filter((l) => String(l.path).includes(victim));
    expect(mine.map((l) => [l.api, l.retry, l.status])).toEqual([[OVERVIEW, 0, 503], [OVERVIEW, 1, 200]]);
    expect(mine.every((l) => typeof l.request_id === 'string' && l.request_id !== '')).toBe(true);
    // No header, body or token: only these fields.
    for (const line of mine) {
      expect(Object.keys(line).filter((k) => !['level', 'time', 'app', 'msg'].includes(k)).sort())
        .toEqual(['api', 'duration_ms', 'method', 'path', 'request_id', 'retry', 'status']);
    }
    expectNoSecrets(stack);
  });
});
