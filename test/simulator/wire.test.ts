// The simulator's instance list entries against the SDK models' field types, so that the
// simulator cannot drift from the real answers' shape while agreeing with the exporter.
import { describe, expect, it } from '@jest/globals';
import { Fleet } from '../../src/simulator/fleet.js';
import { gaussDbListItem, taurusDbListItem } from '../../src/simulator/wire.js';
import { driftFrom, GAUSSDB_LIST_INSTANCE, TAURUSDB_LIST_INSTANCE } from './sdk-list-models.js';

describe('instance list entries', () => {
  const fleet = Fleet.create(1);
  const project = fleet.projects[0];
  if (!project) throw new Error('the demo fleet has a project');

  it('GaussDB entries have the types of ListInstanceResponse (port a number, flavor_info vcpu/mem, volume size a number)', () => {
    for (const instance of project.gaussdb) expect(driftFrom(GAUSSDB_LIST_INSTANCE, gaussDbListItem(instance, project))).toEqual([]);
    expect(gaussDbListItem(project.gaussdb[1] ?? project.gaussdb[0]!, project)).toMatchObject({
      port: 8000, flavor_info: { vcpu: 8, mem: 64 }, volume: { size: 480 },
      enterprise_project_id: '6d2b6a4e-5f0c-4c61-9d52-1b0f3a8e7c21',
      tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'payments' }, { key: 'cost-center', value: 'cc-4711' }],
    });
  });

  it('TaurusDB entries have the types of MysqlInstanceListInfo (port, flavor_info and volume size strings)', () => {
    for (const instance of project.taurusdb) expect(driftFrom(TAURUSDB_LIST_INSTANCE, taurusDbListItem(instance, project))).toEqual([]);
    expect(taurusDbListItem(project.taurusdb[0]!, project)).toMatchObject({
      port: '3306', flavor_info: { vcpus: '4', ram: '16' }, volume: { size: '100' }, enterprise_project_id: '0',
    });
  });

  it('the drift check finds what the simulator used to send', () => {
    expect(driftFrom(GAUSSDB_LIST_INSTANCE, { port: '8000', flavor_info: { vcpus: '8', ram: '64' }, ha: { mode: 'enterprise' } })).toEqual([
      'port: string, the SDK model says number',
      'flavor_info.vcpus: not in the SDK model',
      'flavor_info.ram: not in the SDK model',
      'ha.mode: not in the SDK model',
    ]);
    expect(driftFrom(TAURUSDB_LIST_INSTANCE, { volume: { type: 'POOL', size: 100 }, tags: [{ key: 1 }] }))
      .toEqual(['volume.size: number, the SDK model says string', 'tags[0].key: number, the SDK model says string']);
  });
});
