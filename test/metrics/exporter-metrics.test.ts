import { describe, expect, it } from '@jest/globals';
import { gunzipSync } from 'node:zlib';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';

describe('ExporterMetrics', () => {
  it('serves one rendering for maxAgeMs, then renders afresh', async () => {
    const metrics = new ExporterMetrics('1.2.3', 1000);
    const first = await metrics.rendered(10_000);
    metrics.polls.inc({ collector: 'session_overview', result: 'success' });
    expect(await metrics.rendered(10_999)).toBe(first);
    expect(first.body.toString()).not.toContain('huaweicloud_db_exporter_polls_total{collector="session_overview",result="success"} 1');
    const second = await metrics.rendered(11_000);
    expect(second).not.toBe(first);
    expect(second.body.toString()).toContain('huaweicloud_db_exporter_polls_total{collector="session_overview",result="success"} 1');
    expect(gunzipSync(second.gzip()).equals(second.body)).toBe(true);
  });

  it('starts known counters at 0 and leaves out the defaults promtool rejects', async () => {
    const metrics = new ExporterMetrics('1.2.3', 0);
    metrics.declare(['session_overview'], ['gaussdb_session_overview']);
    const text = (await metrics.rendered()).body.toString();
    expect(text).toContain('huaweicloud_db_exporter_polls_skipped_total{collector="session_overview"} 0');
    expect(text).toContain('huaweicloud_db_exporter_api_throttled_total{api="gaussdb_session_overview"} 0');
    expect(text).toContain(`huaweicloud_db_exporter_build_info{version="1.2.3",nodejs_version="${process.version}"} 1`);
    expect(text).not.toMatch(/^nodejs_active_(handles|requests|resources)_total/m);
  });
});
