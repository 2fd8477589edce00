// The one list of collectors (src/collectors/index.ts) drives the snapshot store, the exporter's
// self-metrics declaration and docs/metrics.md; and every generated file is up to date.
import { describe, expect, it } from '@jest/globals';
import { COLLECTOR_DEFINITIONS } from '../../src/collectors/index.js';
import { parseConfig } from '../../src/config/load.js';
import { Exporter } from '../../src/exporter.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { Poll } from '../../src/metrics/snapshot.js';
import { GENERATED_FILES, isCurrent } from '../../tools/generate.js';
import { renderMetricsReference } from '../../tools/docs/metrics-reference.js';
import { captureLogs } from '../support/logs.js';

const CONFIG = `
projects:
  - region: ap-southeast-1
    project_id: 0611f1bd8b00d5d32f17c017f15b599f
    auth: { type: token, token: not-a-real-token }
`;

/** Sample labels for a family: every label name with a placeholder value. */
const labelsOf = (labelNames: readonly string[]): Record<string, string> => Object.fromEntries(labelNames.map((name) => [name, 'x']));

describe('the collector list', () => {
  const metrics = new ExporterMetrics('test');
  const exporter = new Exporter(parseConfig(CONFIG, {}, '/'), metrics, captureLogs('generated').logger);

  it.each(COLLECTOR_DEFINITIONS.map((c) => [c.name, c] as const))('%s: the store renders every family the collector declares', (_name, collector) => {
    const poll = new Poll(collector.name);
    for (const family of collector.families) poll.metadata.set(family, labelsOf(family.labelNames), 1);
    exporter.store.commit(poll);
    const text = exporter.store.current().text;
    for (const family of collector.families) expect([family.name, text.includes(`# TYPE ${family.name} gauge\n`)]).toEqual([family.name, true]);
  });

  it('the exporter declares a skipped-polls counter for every collector, at 0', async () => {
    const skipped = await metrics.registry.getSingleMetric('huaweicloud_db_exporter_polls_skipped_total')?.get();
    const declared = (skipped?.values ?? []).filter((v) => v.value === 0).map((v) => String(v.labels.collector));
    expect(declared.sort()).toEqual([...COLLECTOR_DEFINITIONS.map((c) => c.name), 'discovery'].sort());
  });

  it('docs/metrics.md has a section for every collector with each of its families', () => {
    const reference = renderMetricsReference();
    for (const collector of COLLECTOR_DEFINITIONS) {
      const section = reference.split(`## Collector \`${collector.name}\``)[1]?.split('\n## ')[0] ?? '';
      for (const family of collector.families) expect([collector.name, family.name, section.includes(`| \`${family.name}\` |`)]).toEqual([collector.name, family.name, true]);
    }
  });
});

describe('generated files', () => {
  it.each(GENERATED_FILES.map((f) => [f.path, f] as const))('%s is up to date (run npm run generate)', (_path, file) => {
    expect(isCurrent(file)).toBe(true);
  });
});
