import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Service } from '../../src/config/types.js';
import { Faults, parseFaultSpec } from '../../src/simulator/faults.js';
import { ExpiredTokenAnswers } from '../../src/simulator/gateway.js';
import { Simulator } from '../../src/simulator/server.js';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function get(sim: Simulator, service: Service, path: string, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(sim.endpoints[service] + path, { headers: { 'X-Auth-Token': sim.credentials.token }, ...(signal ? { signal } : {}) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const json = (a: Answer): Record<string, unknown> => JSON.parse(a.text) as Record<string, unknown>;

describe('Faults (unit)', () => {
  it('matches on api and instance, sums latency, and uses up `times`', () => {
    const faults = new Faults();
    faults.add({ kind: 'latency', ms: 10 });
    faults.add({ kind: 'latency', ms: 5, api: 'taurusdb_htap' });
    const once = faults.add({ kind: 'status', status: 500, instanceId: 'a', times: 1 });
    expect(faults.plan('taurusdb_htap', 'b')).toEqual({ delayMs: 15, action: undefined });
    expect(faults.plan('gaussdb_session_overview', 'a')).toMatchObject({ delayMs: 10, action: { kind: 'status' } });
    expect(once.active).toBe(false);
    expect(once.hits).toBe(1);
    expect(faults.plan('gaussdb_session_overview', 'a').action).toBeUndefined();
    faults.clear();
    expect(faults.list()).toEqual([]);
  });

  it('validates faults given as JSON', () => {
    expect(parseFaultSpec({ kind: 'throttle', retryAfterSeconds: 3, api: 'taurusdb_htap' })).toEqual({ kind: 'throttle', retryAfterSeconds: 3, api: 'taurusdb_htap' });
    expect(() => parseFaultSpec({ kind: 'explode' })).toThrow(/kind must be one of/);
    expect(() => parseFaultSpec({ kind: 'latency' })).toThrow(/needs ms/);
    expect(() => parseFaultSpec({ kind: 'hang', api: 'nope' })).toThrow(/api must be one of/);
    expect(() => parseFaultSpec({ kind: 'status', status: 200 })).toThrow(/status/);
  });
});

describe('Faults over HTTP', () => {
  let sim: Simulator;
  let pid: string;
  let overview: string;
  let process: string;

  beforeAll(async () => {
    sim = await Simulator.start();
    pid = sim.fleet.demo?.projectId ?? '';
    overview = `/v3/${pid}/instances/${sim.fleet.demo?.gaussDbIds[0]}/session-overview`;
    process = `/v3/${pid}/instances/${sim.fleet.demo?.busyHtapId}/htap/process`;
  });
  afterEach(() => sim.faults.clear());
  afterAll(async () => {
    await sim.close();
  });

  it('latency', async () => {
    sim.faults.add({ kind: 'latency', ms: 150, api: 'gaussdb_session_overview' });
    const started = Date.now();
    expect((await get(sim, 'gaussdb', overview)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hang, until the client gives up; `times` then lets requests through', async () => {
    const handle = sim.faults.add({ kind: 'hang', api: 'taurusdb_htap_process', times: 1 });
    await expect(get(sim, 'taurusdb', process, AbortSignal.timeout(200))).rejects.toThrow();
    expect(handle.active).toBe(false);
    expect((await get(sim, 'taurusdb', process)).status).toBe(200);
    expect(sim.requests.entries({ api: 'taurusdb_htap_process' }).some((e) => e.fault === 'hang' && e.status === 0)).toBe(true);
  });

  it('status: 5xx with a gateway or DBS body', async () => {
    sim.faults.add({ kind: 'status', status: 503, times: 1 });
    const unavailable = await get(sim, 'gaussdb', overview);
    expect(unavailable.status).toBe(503);
    // A gateway error carries its request id in the body; a DBS error does not.
    expect(json(unavailable)).toEqual({ error_code: 'APIGW.0203', error_msg: 'Backend unavailable', request_id: unavailable.headers.get('x-request-id') });
    sim.faults.add({ kind: 'status', status: 500, errorCode: 'DBS.200099', errorMsg: 'boom' });
    const custom = await get(sim, 'gaussdb', overview);
    expect([custom.status, json(custom)]).toEqual([500, { error_code: 'DBS.200099', error_msg: 'boom' }]);
    expect(custom.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('throttle: 429 APIGW.0308 with Retry-After', async () => {
    sim.faults.add({ kind: 'throttle', retryAfterSeconds: 7 });
    const res = await get(sim, 'taurusdb', process);
    expect(res.status).toBe(429);
    expect(json(res)['error_code']).toBe('APIGW.0308');
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('token_expired: 401 APIGW.0301 or APIGW.0307 as the seeded PRNG draws, the request id in the body', async () => {
    sim.faults.add({ kind: 'token_expired', api: 'taurusdb_htap' });
    const codes: unknown[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await get(sim, 'taurusdb', `/v3/${pid}/instances/${sim.fleet.demo?.ordersTaurusId}/htap`);
      expect(res.status).toBe(401);
      expect(json(res)['request_id']).toBe(res.headers.get('x-request-id'));
      codes.push(json(res)['error_code']);
    }
    const again = new ExpiredTokenAnswers(sim.fleet.seed);
    expect(codes).toEqual(Array.from({ length: 12 }, () => again.next().code));
    expect(new Set(codes)).toEqual(new Set(['APIGW.0301', 'APIGW.0307']));
  });

  it('reset: the connection dies mid-response', async () => {
    sim.faults.add({ kind: 'reset', api: 'taurusdb_htap_process' });
    await expect(get(sim, 'taurusdb', process)).rejects.toThrow();
  });

  it('malformed_json', async () => {
    sim.faults.add({ kind: 'malformed_json' });
    const res = await get(sim, 'gaussdb', overview);
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('wrong_types', async () => {
    sim.faults.add({ kind: 'wrong_types' });
    const o = json(await get(sim, 'gaussdb', overview));
    expect(o['total_num']).toBe('n/a');
    expect(typeof o['active_num']).toBe('number');
    const p = json(await get(sim, 'taurusdb', `${process}?limit=3`))['process_list'] as Array<Record<string, unknown>>;
    expect(p).toHaveLength(3);
    for (const s of p) expect(s['duration']).toBe('abc');
    const h = json(await get(sim, 'taurusdb', `/v3/${pid}/instances/${sim.fleet.demo?.ordersTaurusId}/htap`));
    expect(typeof h['total']).toBe('string');
  });

  it('repeat_page: the same full page whatever the offset', async () => {
    sim.faults.add({ kind: 'repeat_page', instanceId: sim.fleet.demo?.busyHtapId ?? '' });
    const first = json(await get(sim, 'taurusdb', `${process}?limit=100&offset=0`));
    const far = json(await get(sim, 'taurusdb', `${process}?limit=100&offset=5000`));
    expect(far['process_list']).toHaveLength(100);
    expect(far).toEqual(first);
    // only that instance
    const small = json(await get(sim, 'taurusdb', `/v3/${pid}/instances/${sim.fleet.demo?.smallHtapId}/htap/process?offset=100`));
    expect(small['process_list']).toEqual([]);
  });

  it('oversized: a valid but huge body, streamed', async () => {
    sim.faults.add({ kind: 'oversized', bytes: 3 * 1024 * 1024, api: 'gaussdb_session_overview' });
    const res = await get(sim, 'gaussdb', overview);
    expect(res.status).toBe(200);
    expect(res.text.length).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(json(res)).toHaveProperty('total_num');
  });

  it('is driven over HTTP on the IAM listener', async () => {
    const add = await fetch(`${sim.endpoints.iam}/-/faults`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'status', status: 502, api: 'gaussdb_session_overview' }),
    });
    expect(add.status).toBe(201);
    const { id } = (await add.json()) as { id: number };
    expect((await get(sim, 'gaussdb', overview)).status).toBe(502);
    const listed = (await (await fetch(`${sim.endpoints.iam}/-/faults`)).json()) as { faults: Array<{ id: number; hits: number }> };
    expect(listed.faults).toEqual([expect.objectContaining({ id, hits: 1, kind: 'status' })]);
    expect((await fetch(`${sim.endpoints.iam}/-/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await get(sim, 'gaussdb', overview)).status).toBe(200);

    const bad = await fetch(`${sim.endpoints.iam}/-/faults`, { method: 'POST', body: '{"kind":"nope"}' });
    expect(bad.status).toBe(400);
    const tick = await fetch(`${sim.endpoints.iam}/-/tick?seconds=20`, { method: 'POST' });
    expect(await tick.json()).toMatchObject({ ticks: sim.fleet.ticks });
    const fleet = (await (await fetch(`${sim.endpoints.iam}/-/fleet`)).json()) as { demo: { busyHtapId: string } };
    expect(fleet.demo.busyHtapId).toBe(sim.fleet.demo?.busyHtapId);
  });

  it('close() ends hung requests', async () => {
    const other = await Simulator.start();
    other.faults.add({ kind: 'hang' });
    const pending = get(other, 'gaussdb', `/v3/${other.fleet.demo?.projectId}/instances`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await other.close();
    await expect(pending).rejects.toThrow();
  });
});
