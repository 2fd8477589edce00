import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { signRequest } from '../../src/cloud/signer.js';
import { Simulator, type ServiceName } from '../../src/simulator/server.js';

type Auth = 'aksk' | 'fixed' | 'none' | { token: string } | { sk: string } | { projectHeader: string };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function call(sim: Simulator, service: ServiceName, path: string, auth: Auth = 'aksk', init: { method?: string; body?: string } = {}): Promise<Answer> {
  const url = new URL(sim.endpoints[service] + path);
  const method = init.method ?? 'GET';
  const projectId = /^\/v3\/([^/]+)/.exec(url.pathname)?.[1] ?? '';
  let headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (auth === 'fixed') headers['X-Auth-Token'] = sim.credentials.token;
  else if (typeof auth === 'object' && 'token' in auth) headers['X-Auth-Token'] = auth.token;
  else if (auth !== 'none') {
    const base = { ...headers, 'X-Project-Id': typeof auth === 'object' && 'projectHeader' in auth ? auth.projectHeader : projectId };
    const secretKey = typeof auth === 'object' && 'sk' in auth ? auth.sk : sim.credentials.secretKey;
    headers = { ...base, ...signRequest({ method, url, headers: base, body: init.body ?? '' }, { accessKey: sim.credentials.accessKey, secretKey }) };
  }
  const res = await fetch(url, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not every answer has a body
  }
  return { status: res.status, headers: res.headers, text, json };
}

function tokenBody(sim: Simulator, overrides: { password?: string; scope?: Record<string, string> } = {}): string {
  const c = sim.credentials;
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: c.user, password: overrides.password ?? c.password, domain: { name: c.domain } } } },
      scope: { project: overrides.scope ?? { id: sim.fleet.demo?.projectId } },
    },
  });
}

// Field sets of the seed pages' examples.
const HTAP_FIELDS = [
  'alter_order_id', 'available_zones', 'ch_master_node_id', 'create_at', 'current_actions', 'data_vip', 'data_vip_v6',
  'dedicated_resource_id', 'engine_name', 'engine_version', 'enterprise_project_id', 'ha_mode', 'id', 'instance_state',
  'is_frozen', 'name', 'network', 'node_num', 'order_id', 'pay_model', 'port', 'project_id', 'proxy_ips',
  'readable_node_infos', 'server_type', 'volume_type',
];
const PROCESS_FIELDS = ['command', 'database', 'duration', 'host', 'id', 'sql_statement', 'state', 'user'];

const keys = (value: unknown): string[] => Object.keys(value as object).sort();

describe('Simulator over HTTP', () => {
  let sim: Simulator;
  let pid: string;
  let busy: string;

  beforeAll(async () => {
    sim = await Simulator.start();
    pid = sim.fleet.demo?.projectId ?? '';
    busy = sim.fleet.demo?.busyHtapId ?? '';
  });
  afterAll(async () => {
    await sim.close();
  });

  it('listens on three loopback ports', () => {
    const { iam, gaussdb, taurusdb } = sim.endpoints;
    for (const e of [iam, gaussdb, taurusdb]) expect(e).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set([iam, gaussdb, taurusdb]).size).toBe(3);
  });

  describe('IAM', () => {
    it('issues a token for the password body, with expires_at 24 h ahead', async () => {
      const before = sim.issuedTokens;
      const res = await call(sim, 'iam', '/v3/auth/tokens?nocatalog=true', 'none', { method: 'POST', body: tokenBody(sim) });
      expect(res.status).toBe(201);
      const token = res.headers.get('x-subject-token') ?? '';
      expect(token.length).toBeGreaterThan(1000);
      const expiresAt = Date.parse(String((res.json['token'] as Record<string, unknown>)['expires_at']));
      expect(Math.abs(expiresAt - Date.now() - 86_400_000)).toBeLessThan(60_000);
      expect(sim.issuedTokens).toBe(before + 1);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);

      const ok = await call(sim, 'gaussdb', `/v3/${pid}/instances/${sim.fleet.demo?.gaussDbIds[0]}/session-overview`, { token });
      expect(ok.status).toBe(200);
      expect(sim.requests.last()?.auth).toBe('token');
    });

    it('scopes by project name (the region) too', async () => {
      const res = await call(sim, 'iam', '/v3/auth/tokens', 'none', { method: 'POST', body: tokenBody(sim, { scope: { name: 'ap-southeast-1' } }) });
      expect(res.status).toBe(201);
    });

    it('refuses a wrong password, an unknown project and a malformed body', async () => {
      const wrong = await call(sim, 'iam', '/v3/auth/tokens', 'none', { method: 'POST', body: tokenBody(sim, { password: 'nope' }) });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual({ error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } });
      const scope = await call(sim, 'iam', '/v3/auth/tokens', 'none', { method: 'POST', body: tokenBody(sim, { scope: { id: '0'.repeat(32) } }) });
      expect(scope.status).toBe(401);
      const bad = await call(sim, 'iam', '/v3/auth/tokens', 'none', { method: 'POST', body: '{"auth":' });
      expect(bad.status).toBe(400);
      const get = await call(sim, 'iam', '/v3/auth/tokens', 'none');
      expect(get.status).toBe(405);
    });

    it('answers 401 APIGW.0301 or APIGW.0307 once tokens are expired, with the request id; the fixed token keeps working', async () => {
      const issued = await call(sim, 'iam', '/v3/auth/tokens', 'none', { method: 'POST', body: tokenBody(sim) });
      const token = issued.headers.get('x-subject-token') ?? '';
      sim.expireTokens();
      const res = await call(sim, 'taurusdb', `/v3/${pid}/instances/${sim.fleet.demo?.ordersTaurusId}/htap`, { token });
      expect(res.status).toBe(401);
      expect(res.json['error_code']).toMatch(/^APIGW\.030[17]$/);
      expect(res.json['request_id']).toBe(res.headers.get('x-request-id'));
      const fixed = await call(sim, 'taurusdb', `/v3/${pid}/instances/${sim.fleet.demo?.ordersTaurusId}/htap`, 'fixed');
      expect(fixed.status).toBe(200);
    });
  });

  describe('authentication on the service listeners', () => {
    const overviewPath = (): string => `/v3/${pid}/instances/${sim.fleet.demo?.gaussDbIds[0]}/session-overview`;

    it('accepts AK/SK signatures', async () => {
      const res = await call(sim, 'gaussdb', overviewPath(), 'aksk');
      expect(res.status).toBe(200);
      expect(sim.requests.last()?.auth).toBe('aksk');
    });

    it('answers 401 APIGW.0301 for a bad signature, no credentials, an unknown token or a foreign project', async () => {
      for (const auth of [{ sk: 'x'.repeat(40) }, 'none', { token: 'MIInot-a-token' }, { projectHeader: 'f'.repeat(32) }] as Auth[]) {
        const res = await call(sim, 'gaussdb', overviewPath(), auth);
        expect(res.status).toBe(401);
        expect(res.json['error_code']).toBe('APIGW.0301');
        expect(String(res.json['error_msg'])).toMatch(/^Incorrect IAM authentication information: /);
      }
      const unknownProject = await call(sim, 'gaussdb', `/v3/${'a'.repeat(32)}/instances`, 'fixed');
      expect(unknownProject.status).toBe(401);
    });

    it('refuses a token scoped to another project', async () => {
      const two = await Simulator.start({ fleet: { projects: 2, gaussdbPerProject: 1, taurusdbPerProject: 0 } });
      try {
        const [first, second] = two.fleet.projects;
        const issued = await call(two, 'iam', '/v3/auth/tokens', 'none', {
          method: 'POST',
          body: JSON.stringify({
            auth: {
              identity: { methods: ['password'], password: { user: { name: two.credentials.user, password: two.credentials.password, domain: { name: two.credentials.domain } } } },
              scope: { project: { id: first?.projectId } },
            },
          }),
        });
        const token = issued.headers.get('x-subject-token') ?? '';
        expect((await call(two, 'gaussdb', `/v3/${first?.projectId}/instances`, { token })).status).toBe(200);
        expect((await call(two, 'gaussdb', `/v3/${second?.projectId}/instances`, { token })).status).toBe(401);
      } finally {
        await two.close();
      }
    });
  });

  describe('GaussDB', () => {
    it('serves the session overview as strings', async () => {
      const id = sim.fleet.demo?.lockingGaussDbId ?? '';
      const res = await call(sim, 'gaussdb', `/v3/${pid}/instances/${id}/session-overview`);
      expect(keys(res.json)).toEqual(['active_num', 'lock_num', 'slow_sql_num', 'total_num']);
      for (const v of Object.values(res.json)) expect(v).toMatch(/^\d+$/);
      const o = sim.fleet.gaussdb(id)?.overview;
      expect(Number(res.json['total_num'])).toBe(o?.total);
      expect(Number(res.json['lock_num'])).toBeGreaterThan(0);
      expect(sim.requests.last()?.api).toBe('gaussdb_session_overview');
    });

    it('lists instances with limit and offset', async () => {
      const first = await call(sim, 'gaussdb', `/v3/${pid}/instances?offset=0&limit=3`);
      expect(first.json['total_count']).toBe(4);
      const instances = first.json['instances'] as Array<Record<string, unknown>>;
      expect(instances).toHaveLength(3);
      expect(instances[0]).toMatchObject({ id: sim.fleet.demo?.gaussDbIds[0], type: 'Enterprise', region: 'ap-southeast-1', status: 'ACTIVE' });
      const rest = await call(sim, 'gaussdb', `/v3/${pid}/instances?offset=3&limit=3`);
      expect(rest.json['instances']).toHaveLength(1);
      expect((await call(sim, 'gaussdb', `/v3/${pid}/instances?limit=101`)).status).toBe(400);
      expect(sim.requests.count('gaussdb_instances')).toBeGreaterThanOrEqual(3);
    });
  });

  describe('TaurusDB', () => {
    it('serves /htap in the seed shape', async () => {
      const demo = sim.fleet.demo;
      const res = await call(sim, 'taurusdb', `/v3/${pid}/instances/${demo?.ordersTaurusId}/htap`);
      expect(res.status).toBe(200);
      expect(keys(res.json)).toEqual(['instances', 'max_htap_instance_num_of_taurus', 'total']);
      expect(res.json['total']).toBe(3);
      const instances = res.json['instances'] as Array<Record<string, unknown>>;
      for (const h of instances) {
        expect(keys(h)).toEqual(HTAP_FIELDS);
        expect(keys(h['instance_state'])).toEqual(['create_fail_error_code', 'fail_message', 'instance_status', 'wait_restart_for_params']);
        expect(keys(h['network'])).toEqual(['security_group_id', 'sub_net_id', 'vpc_id']);
        for (const n of h['readable_node_infos'] as unknown[]) expect(keys(n)).toEqual(['data_ip', 'node_id', 'node_name']);
        for (const z of h['available_zones'] as unknown[]) expect(keys(z)).toEqual(['az_type', 'code', 'description']);
        expect(h).toMatchObject({ order_id: null, data_vip_v6: null, pay_model: '0', project_id: pid });
        expect(typeof h['create_at']).toBe('number');
        expect(typeof h['node_num']).toBe('number');
      }
      expect(instances.map((h) => h['engine_name']).sort()).toEqual(['click-house', 'star-rocks', 'star-rocks']);

      const frozen = await call(sim, 'taurusdb', `/v3/${pid}/instances/${demo?.billingTaurusId}/htap`);
      const f = (frozen.json['instances'] as Array<Record<string, unknown>>)[0];
      expect(f).toMatchObject({ id: demo?.frozenHtapId, is_frozen: true, instance_state: { wait_restart_for_params: true } });
      expect((f?.['instance_state'] as Record<string, unknown>)['instance_status']).not.toBe('normal');

      const empty = await call(sim, 'taurusdb', `/v3/${pid}/instances/${demo?.emptyTaurusId}/htap`);
      expect(empty.json).toMatchObject({ total: 0, instances: [] });
    });

    it('pages the 250 sessions as 100 + 100 + 50', async () => {
      const pages: Array<Array<Record<string, unknown>>> = [];
      for (let offset = 0; offset <= 300; offset += 100) {
        const res = await call(sim, 'taurusdb', `/v3/${pid}/instances/${busy}/htap/process?limit=100&offset=${offset}`);
        expect(res.status).toBe(200);
        expect(keys(res.json)).toEqual(['process_list']);
        pages.push(res.json['process_list'] as Array<Record<string, unknown>>);
      }
      expect(pages.map((p) => p.length)).toEqual([100, 100, 50, 0]);
      const all = pages.flat();
      for (const p of all) expect(keys(p)).toEqual(PROCESS_FIELDS);
      expect(new Set(all.map((p) => p['id'])).size).toBe(250);
      expect(all.map((p) => p['id'])).toEqual(sim.fleet.htap(busy)?.sessions.map((s) => s.id));
      expect(new Set(all.map((p) => typeof p['duration']))).toEqual(new Set(['number', 'string']));

      const byDefault = await call(sim, 'taurusdb', `/v3/${pid}/instances/${busy}/htap/process`);
      expect(byDefault.json['process_list']).toHaveLength(100);
      const short = await call(sim, 'taurusdb', `/v3/${pid}/instances/${busy}/htap/process?limit=7&offset=245`);
      expect(short.json['process_list']).toHaveLength(5);
      expect(sim.requests.entries({ api: 'taurusdb_htap_process' }).at(-1)?.query).toEqual({ limit: '7', offset: '245' });
    });

    it('refuses out-of-range paging and ClickHouse instances with 400 DBS errors', async () => {
      for (const q of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'offset=1.5']) {
        const res = await call(sim, 'taurusdb', `/v3/${pid}/instances/${busy}/htap/process?${q}`);
        expect(res.status).toBe(400);
        expect(String(res.json['error_code'])).toMatch(/^DBS\./);
      }
      const ch = await call(sim, 'taurusdb', `/v3/${pid}/instances/${sim.fleet.demo?.clickhouseHtapId}/htap/process`);
      expect(ch.status).toBe(400);
      expect(String(ch.json['error_code'])).toMatch(/^DBS\./);
    });

    it('lists TaurusDB instances with the port as a string', async () => {
      const res = await call(sim, 'taurusdb', `/v3/${pid}/instances?limit=2`);
      expect(res.json['total_count']).toBe(3);
      const instances = res.json['instances'] as Array<Record<string, unknown>>;
      expect(instances).toHaveLength(2);
      expect(instances[0]).toMatchObject({ id: sim.fleet.demo?.ordersTaurusId, name: 'orders', port: '3306' });
    });
  });

  describe('errors', () => {
    it('answers unknown instances with DBS.200022', async () => {
      const notFound = { error_code: 'DBS.200022', error_msg: 'Instance not found.' };
      const taurusAsHtap = await call(sim, 'taurusdb', `/v3/${pid}/instances/${sim.fleet.demo?.ordersTaurusId}/htap/process`);
      expect([taurusAsHtap.status, taurusAsHtap.json]).toEqual([400, notFound]);
      const htapAsTaurus = await call(sim, 'taurusdb', `/v3/${pid}/instances/${busy}/htap`);
      expect([htapAsTaurus.status, htapAsTaurus.json]).toEqual([400, notFound]);
      const gauss = await call(sim, 'gaussdb', `/v3/${pid}/instances/${'0'.repeat(32)}in14/session-overview`);
      expect([gauss.status, gauss.json]).toEqual([400, notFound]);
    });

    it('answers 404 APIGW.0101 for unknown paths and 405 for wrong methods', async () => {
      const notFound = await call(sim, 'gaussdb', '/v3/nothing/here');
      expect(notFound.status).toBe(404);
      expect(notFound.json).toEqual({
        error_code: 'APIGW.0101', error_msg: 'The API does not exist or has not been published in the environment', request_id: notFound.headers.get('x-request-id'),
      });
      // each API lives on its own listener
      expect((await call(sim, 'gaussdb', `/v3/${pid}/instances/${busy}/htap/process`)).status).toBe(404);
      const post = await call(sim, 'gaussdb', `/v3/${pid}/instances/${sim.fleet.demo?.gaussDbIds[0]}/session-overview`, 'aksk', { method: 'POST', body: '{}' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET');
      expect(post.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
      expect(sim.requests.count('unknown')).toBeGreaterThanOrEqual(2);
    });
  });

  it('records every request with its API name', () => {
    const counts = sim.requests.counts();
    for (const api of ['iam_token', 'gaussdb_session_overview', 'gaussdb_instances', 'taurusdb_htap', 'taurusdb_htap_process', 'taurusdb_instances']) {
      expect(counts[api]).toBeGreaterThan(0);
    }
    const statuses = sim.requests.entries({ api: 'taurusdb_htap' }).map((e) => e.status);
    expect(statuses).toEqual(expect.arrayContaining([200, 400, 401]));
    expect(sim.requests.entries({ service: 'taurusdb', status: 200 }).length).toBeGreaterThan(0);
  });

  it('reflects tick() in the answers', async () => {
    const path = `/v3/${pid}/instances/${busy}/htap/process?limit=100&offset=0`;
    const before = await call(sim, 'taurusdb', path);
    sim.fleet.tick(30);
    const after = await call(sim, 'taurusdb', path);
    expect(after.text).not.toBe(before.text);
  });
});

describe('Simulator lifecycle', () => {
  it('ticks on its own with tickMs and leaves nothing open after close()', async () => {
    const sim = await Simulator.start({ tickMs: 20, latencyMs: 30, seed: 3 });
    const started = Date.now();
    const res = await call(sim, 'taurusdb', `/v3/${sim.fleet.demo?.projectId}/instances`, 'fixed');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.fleet.ticks).toBeGreaterThan(0);
    await sim.close();
    await sim.close(); // idempotent
    await expect(fetch(`${sim.endpoints.gaussdb}/`)).rejects.toThrow();
  });

  it('refuses a port in use and frees the ports it took', async () => {
    const first = await Simulator.start();
    const port = Number(new URL(first.endpoints.taurusdb).port);
    await expect(Simulator.start({ ports: { taurusdb: port } })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });
});
