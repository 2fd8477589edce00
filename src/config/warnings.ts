// What a valid configuration may still get wrong: reported by --check-config (on stderr, exit 0)
// and logged at start-up, never refused, since each has a legitimate use (a project kept for
// later, a region newer than the endpoint tables with its endpoints given).
import { SDK_ENDPOINTS, SDK_RELEASE } from './sdk-endpoints.js';
import type { Config } from './types.js';

/** One line per warning, each starting with its path in the file. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  config.projects.forEach((project, i) => {
    const where = `projects[${i}]`;
    const polls = (['gaussdb', 'taurusdb'] as const).some((engine) => project[engine].instances.length > 0 || project[engine].discover);
    if (!polls) {
      warnings.push(`${where}: polls nothing: no gaussdb or taurusdb instances are listed and discover is off for both`);
    }
    const known = Object.values(SDK_ENDPOINTS).some((table) => Object.hasOwn(table, project.region));
    if (!known) {
      warnings.push(`${where}.region: "${project.region}" is not a region of the endpoint tables (Huawei Cloud SDK ${SDK_RELEASE}): check its spelling, or give its endpoints`);
    }
  });
  return warnings;
}
