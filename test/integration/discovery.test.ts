// Discovery through the list APIs, and sharding across replicas.
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Config } from '../../src/config/types.js';
import { loadConfig } from '../../src/config/load.js';
import { Exporter } from '../../src/exporter.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { Simulator } from '../../src/simulator/server.js';
import { parseExposition } from '../support/exposition.js';
import { captureLogs } from '../support/logs.js';
import { startStack } from '../support/stack.js';

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of cleanup) await stop();
});

/** The targets of a collector by their own id: the HTAP id for htap_processes, else instance_id. */
const upIds = (text: string, collector: string): string[] =>
  [...text.matchAll(new RegExp(`huaweicloud_db_up\\{collector="${collector}",instance_id="([^"]+)"(?:,htap_instance_id="([^"]+)")?\\}`, 'g'))]
    .map((m) => m[2] ?? m[1] ?? '');

describe('discovery', () => {
  it('polls listed instances that pass the filters, picks up new ones and drops vanished ones', async () => {
    const stack = await startStack({
      name: 'integration-discovery',
      instances: () => ({ gaussdb: [], taurusdb: [] }),
      engines: { gaussdb: { discover: true, exclude: '^staging-' }, taurusdb: { discover: true, include: '^(orders|billing)$' } },
      overrides: {
        collectors: {
          session_overview: { schedule: '* * * * * *' }, htap_instances: { schedule: '* * * * * *' },
          htap_processes: { schedule: '0 0 1 1 *' }, discovery: { schedule: '* * * * * *' },
        },
      },
    });
    cleanup.push(() => stack.stop());
    await stack.ready();
    const project = stack.sim.fleet.projects[0];
    if (!project) throw new Error('no project');
    const wanted = project.gaussdb.filter((g) => !g.name.startsWith('staging-')).map((g) => g.id).sort();
    let text = (await stack.scrape()).text;
    expect(upIds(text, 'session_overview').sort()).toEqual(wanted);
    expect(upIds(text, 'htap_instances').sort()).toEqual(project.taurusdb.filter((t) => t.name !== 'inventory').map((t) => t.id).sort());
    // names from the list API fill the _info metrics
    const payments = project.gaussdb.find((g) => g.name === 'payments-gauss');
    expect(text).toContain(`huaweicloud_gaussdb_instance_info{instance_id="${payments?.id}",name="payments-gauss"`);

    const added = stack.sim.fleet.addGaussDb(project.projectId, { name: 'analytics-gauss', overview: { total: 77, active: 7, slowSql: 0, lockWaiting: 0 } });
    text = await stack.eventually((t) => t.includes(`huaweicloud_gaussdb_sessions{instance_id="${added.id}"} 77`));
    stack.sim.fleet.removeGaussDb(payments?.id ?? '');
    text = await stack.eventually((t) => !t.includes(`instance_id="${payments?.id}"`));
    expect(upIds(text, 'session_overview')).toContain(added.id);
  }, 30_000);
});

describe('sharding', () => {
  it('n shards together poll every instance exactly once', async () => {
    const sim = await Simulator.start({ fleet: { projects: 2, gaussdbPerProject: 30, taurusdbPerProject: 10, htapPerTaurus: 1, sessionsPerHtap: 5 } });
    cleanup.push(() => sim.close());
    const base: Config = await loadConfig('config/exporter.example.yaml', { HWC_ACCESS_KEY: 'x', HWC_SECRET_KEY: 'y' });
    const config: Config = {
      ...base,
      http: { ...base.http, timeoutMs: 5000 },
      projects: sim.fleet.projects.map((p) => ({
        region: p.region, projectId: p.projectId, endpoints: sim.endpoints,
        auth: { type: 'aksk', accessKey: sim.credentials.accessKey, secretKey: sim.credentials.secretKey },
        gaussdb: { instances: [], discover: true, include: undefined, exclude: undefined },
        taurusdb: { instances: [], discover: true, include: undefined, exclude: undefined },
      })),
    };
    const total = 3;
    const polled: Record<string, string[]> = { session_overview: [], htap_instances: [], htap_processes: [] };
    for (let index = 0; index < total; index++) {
      const exporter = new Exporter(config, new ExporterMetrics('test'), captureLogs(`sharding-${index}`).logger, { index, total });
      await exporter.pollOnce();
      const parsed = parseExposition(exporter.store.current().text);
      for (const collector of Object.keys(polled)) {
        const ids = upIds(exporter.store.current().text, collector);
        expect(ids.length).toBeGreaterThan(0); // every shard gets work at this size
        polled[collector]?.push(...ids);
      }
      expect([...parsed.series].filter(([k, v]) => k.startsWith('huaweicloud_db_up{') && v !== 1)).toEqual([]);
    }
    const gaussIds = sim.fleet.projects.flatMap((p) => p.gaussdb.map((g) => g.id)).sort();
    const taurusIds = sim.fleet.projects.flatMap((p) => p.taurusdb.map((t) => t.id)).sort();
    const htapIds = sim.fleet.projects.flatMap((p) => p.taurusdb.flatMap((t) => t.htap.filter((h) => h.engine === 'star-rocks').map((h) => h.id))).sort();
    expect(polled.session_overview?.sort()).toEqual(gaussIds);
    expect(polled.htap_instances?.sort()).toEqual(taurusIds);
    expect(polled.htap_processes?.sort()).toEqual(htapIds);
    expect(sim.requests.count('gaussdb_session_overview')).toBe(gaussIds.length);
  });
});
