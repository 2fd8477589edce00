// The landing page at `/`: what this is, where the metrics are, and what is being polled.

export interface LandingInfo {
  version: string;
  /** targets per collector in its last poll, and how many of them are up */
  collectors: Array<{ name: string; targets: number; up: number }>;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function landingPage(telemetryPath: string, info: LandingInfo): string {
  const rows = info.collectors
    .map((c) => `<tr><td>${escapeHtml(c.name)}</td><td>${c.targets}</td><td>${c.up}</td></tr>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Huawei Cloud DB exporter</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em 1em;text-align:left}</style></head>
<body><h1>Huawei Cloud DB exporter</h1>
<p>Version ${escapeHtml(info.version)}. GaussDB session overviews and TaurusDB HTAP sessions as Prometheus metrics, polled in the background.</p>
<p><a href="${escapeHtml(telemetryPath)}">Metrics</a> · <a href="/-/healthy">Health</a> · <a href="/-/ready">Readiness</a></p>
<table><thead><tr><th>Collector</th><th>Targets</th><th>Up</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`;
}
