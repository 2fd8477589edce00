// Ids from the cloud are trusted no more, and discovery gives one target per id: a list answer
// with `..`, a repeated id, and an id two projects both list.
import { describe, expect, it } from '@jest/globals';
import type { GaussDbApi } from '../src/cloud/gaussdb.js';
import type { CloudInstance } from '../src/cloud/instance-list.js';
import type { TaurusDbApi } from '../src/cloud/taurusdb.js';
import type { EngineConfig } from '../src/config/types.js';
import { InstanceDirectory, SINGLE_SHARD } from '../src/discovery.js';
import { ExporterMetrics } from '../src/metrics/exporter-metrics.js';
import { captureLogs } from './support/logs.js';

const A = 'a0000000000000000000000000000000in14';
const B = 'b0000000000000000000000000000000in14';
const instance = (id: string): CloudInstance => ({ id, name: `db-${id.slice(0, 4)}`, status: 'ACTIVE', enterpriseProjectId: '0', tags: new Map() });
const discovering: EngineConfig = {
  instances: [], discover: true, include: undefined, exclude: undefined, enterpriseProjectIds: [], includeTags: new Map(), excludeTags: new Map(), tagsAllowlist: [],
};
const idle: EngineConfig = { ...discovering, discover: false };

function project(projectId: string, answer: CloudInstance[]) {
  return {
    project: { projectId, region: 'ap-southeast-1' },
    gaussdb: { settings: discovering, api: { listInstances: async () => answer } as unknown as GaussDbApi },
    taurusdb: { settings: idle, api: { listInstances: async () => [] } as unknown as TaurusDbApi },
  };
}

describe('Ids from the cloud are trusted', () => {
  it('leaves out ids not in the documented format and repeated ids, counted and logged; one target per id across projects', async () => {
    const metrics = new ExporterMetrics('test', 0);
    const { logger, records } = captureLogs('discovery-ids');
    const directory = new InstanceDirectory([
      project('p1', [instance(A), instance('..'), instance(A), instance('x/../../y'), instance(B)]),
      project('p2', [instance(B)]),
    ], SINGLE_SHARD, metrics, logger);
    await directory.discover(new AbortController().signal);
    expect(directory.gaussdb().map((t) => [t.project.projectId, t.instance.id])).toEqual([['p1', A], ['p1', B]]);
    const text = await metrics.render();
    expect(text).toContain('huaweicloud_db_exporter_refused_ids_total{reason="invalid"} 2');
    expect(text).toContain('huaweicloud_db_exporter_refused_ids_total{reason="duplicate"} 2');
    const logged = records().filter((r) => r.msg === 'instance id from the cloud left out').map((r) => [r.reason, r.id]);
    expect(logged).toEqual([['invalid', '".."'], ['duplicate', JSON.stringify(A)], ['invalid', '"x/../../y"'], ['duplicate', JSON.stringify(B)]]);
  });
});
