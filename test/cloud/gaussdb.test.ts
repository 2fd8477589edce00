import { describe, expect, it } from '@jest/globals';
import { BadResponseError } from '../../src/cloud/errors.js';
import { GaussDbApi } from '../../src/cloud/gaussdb.js';
import { MAX_INSTANCE_LIST_PAGES } from '../../src/cloud/instance-list.js';
import { FakeProjectApi, PROJECT_ID, signal } from '../collectors/fake-project-api.js';

const ID = 'd04686c6baae4f65a742771186f47b7ain14';
const OVERVIEW = `instances/${ID}/session-overview`;

describe('GaussDbApi.sessionOverview', () => {
  it('parses the documented example, strings with leading zeros included', async () => {
    const fake = new FakeProjectApi().on(OVERVIEW, { active_num: '12', total_num: '036', slow_sql_num: '1', lock_num: '0' });
    await expect(new GaussDbApi(fake).sessionOverview(ID, signal)).resolves.toEqual({ active: 12, total: 36, slowSql: 1, lockWaiting: 0 });
    expect(fake.calls).toEqual([{ service: 'gaussdb', path: `/v3/${PROJECT_ID}/${OVERVIEW}`, api: 'gaussdb_session_overview', query: undefined }]);
  });

  it('accepts JSON numbers too', async () => {
    const fake = new FakeProjectApi().on(OVERVIEW, { active_num: 3, total_num: 40, slow_sql_num: 0, lock_num: 2 });
    await expect(new GaussDbApi(fake).sessionOverview(ID, signal)).resolves.toEqual({ active: 3, total: 40, slowSql: 0, lockWaiting: 2 });
  });

  it.each([
    ['"12a"', '12a'], ['"n/a"', 'n/a'], ['null', null], ['""', ''], ['"-1"', '-1'], ['" 7"', ' 7'],
    ['"1e3"', '1e3'], ['"1.5"', '1.5'], ['-1', -1], ['2.5', 2.5], ['true', true], ['absent', undefined],
  ])('leaves out active_num %s as an anomaly, never 0; the other counts stay', async (_name, value) => {
    const fake = new FakeProjectApi().on(OVERVIEW, { active_num: value, total_num: '1', slow_sql_num: '0', lock_num: '0' });
    await expect(new GaussDbApi(fake).sessionOverview(ID, signal)).resolves
      .toEqual({ active: undefined, total: 1, slowSql: 0, lockWaiting: 0 });
    expect(fake.anomalies).toEqual(['gaussdb_session_overview active_num']);
  });

  it('fails when no count is usable', async () => {
    const fake = new FakeProjectApi().on(OVERVIEW, { active_num: '', total_num: null, slow_sql_num: 'n/a' });
    const answer = new GaussDbApi(fake).sessionOverview(ID, signal);
    await expect(answer).rejects.toBeInstanceOf(BadResponseError);
    await expect(answer).rejects.toMatchObject({ api: 'gaussdb_session_overview', message: expect.stringContaining('no usable count') });
    expect(fake.anomalies).toEqual(['active_num', 'total_num', 'slow_sql_num', 'lock_num'].map((f) => `gaussdb_session_overview ${f}`));
  });

  it('rejects a body that is not an object', async () => {
    const fake = new FakeProjectApi().on(OVERVIEW, ['036']);
    await expect(new GaussDbApi(fake).sessionOverview(ID, signal)).rejects.toBeInstanceOf(BadResponseError);
  });
});

describe('GaussDbApi.listInstances', () => {
  const instances = Array.from({ length: 250 }, (_, i) => ({ id: `g${i}in14`, name: `db-${i}`, status: 'ACTIVE', type: 'Ha' }));

  it('pages by total_count with limit 100 and keeps id, name and status', async () => {
    const fake = new FakeProjectApi().on('instances', (query: Readonly<Record<string, string>>) => ({
      instances: instances.slice(Number(query.offset), Number(query.offset) + Number(query.limit)),
      total_count: 250,
    }));
    const found = await new GaussDbApi(fake).listInstances(signal);
    expect(found).toHaveLength(250);
    expect(found[249]).toEqual({ id: 'g249in14', name: 'db-249', status: 'ACTIVE', enterpriseProjectId: '', tags: new Map() });
    expect(fake.calls.map((c) => c.query)).toEqual([
      { offset: '0', limit: '100' }, { offset: '100', limit: '100' }, { offset: '200', limit: '100' },
    ]);
    expect(new Set(fake.calls.map((c) => c.api))).toEqual(new Set(['gaussdb_instances']));
  });

  it('stops at a short page even if total_count claims more', async () => {
    const fake = new FakeProjectApi().on('instances', { instances: instances.slice(0, 3), total_count: 10 });
    await expect(new GaussDbApi(fake).listInstances(signal)).resolves.toHaveLength(3);
    expect(fake.calls).toHaveLength(1);
  });

  it('gives up after the page cap when full pages never end', async () => {
    const fake = new FakeProjectApi().on('instances', { instances: instances.slice(0, 100), total_count: 1_000_000 });
    await expect(new GaussDbApi(fake).listInstances(signal)).rejects.toThrow('page cap reached');
    expect(fake.calls).toHaveLength(MAX_INSTANCE_LIST_PAGES);
  });

  it('leaves out an entry without an id, as an anomaly', async () => {
    const fake = new FakeProjectApi().on('instances', { instances: [{ name: 'x', status: 'ACTIVE' }, instances[0]], total_count: 2 });
    await expect(new GaussDbApi(fake).listInstances(signal)).resolves.toMatchObject([{ id: 'g0in14' }]);
    expect(fake.anomalies).toEqual(['gaussdb_instances instances[].id']);
  });

  it('reads null instances as none, and pages by short page when total_count is missing', async () => {
    const none = new FakeProjectApi().on('instances', { instances: null, total_count: 0 });
    await expect(new GaussDbApi(none).listInstances(signal)).resolves.toEqual([]);
    expect(none.anomalies).toEqual([]);
    const noTotal = new FakeProjectApi().on('instances', (query: Readonly<Record<string, string>>) => ({
      instances: instances.slice(Number(query.offset), Number(query.offset) + Number(query.limit)),
    }));
    await expect(new GaussDbApi(noTotal).listInstances(signal)).resolves.toHaveLength(250);
    expect(noTotal.anomalies).toEqual(Array.from({ length: 3 }, () => 'gaussdb_instances total_count'));
  });

  it('fails without a list to read, so discovery keeps its last one', async () => {
    const fake = new FakeProjectApi().on('instances', { total_count: 3 });
    await expect(new GaussDbApi(fake).listInstances(signal)).rejects.toThrow('instances is missing or not a list');
  });
});
