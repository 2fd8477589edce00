// The status page at `/`: per collector its schedule and last poll, per target its health and
// last error, failing targets first. Readable without script; every value escaped by `html`.
import type { CollectorStatus, StatusBoard, TargetStatus } from '../../status/target-status.js';
import { html, layout, span, utcTime, type SafeHtml } from './html.js';

export interface PageContext {
  version: string;
  telemetryPath: string;
  now: number;
}

export function navigation(context: PageContext): SafeHtml {
  return html`<nav><a href="/">Status</a><a href="/sessions">Longest-running sessions</a><a href="${context.telemetryPath}">Metrics</a>
<a href="/api/v1/targets">Targets (JSON)</a><a href="/-/healthy">Health</a><a href="/-/ready">Readiness</a></nav>`;
}

function collectorRow(c: CollectorStatus): SafeHtml {
  return html`<tr><td>${c.name}</td><td><code>${c.schedule || '–'}</code></td><td>${utcTime(c.lastPollStarted)}</td>
<td class="num">${c.lastPollDurationMs === undefined ? '–' : `${(c.lastPollDurationMs / 1000).toFixed(3)} s`}</td>
<td>${utcTime(c.nextPoll)}</td><td class="num">${c.skippedPolls}</td><td class="num">${c.targets}</td><td class="num">${c.targetsUp}</td></tr>\n`;
}

function errorCells(t: TargetStatus): SafeHtml {
  const e = t.lastError;
  if (!e) return html`<td colspan="6" class="muted">none</td>`;
  return html`<td>${e.api}</td><td class="num">${e.httpStatus ?? '–'}</td><td><code>${e.errorCode || '–'}</code></td>
<td>${e.errorMsg}</td><td class="id">${e.requestId || '–'}</td><td>${utcTime(e.at)}</td>`;
}

function targetRow(t: TargetStatus, now: number): SafeHtml {
  const age = t.lastSuccess === undefined ? 'never' : `${span((now - t.lastSuccess) / 1000)} ago`;
  return html`<tr class="${t.up ? 'up' : 'down'}"><td class="state">${t.up ? 'up' : 'DOWN'}</td><td>${t.collector}</td><td>${t.name}</td>
<td class="id">${t.instanceId}</td><td class="id">${t.htapInstanceId ?? ''}</td><td class="id">${t.projectId}</td><td>${t.region}</td>
<td>${utcTime(t.lastSuccess)}</td><td>${age}</td>${errorCells(t)}</tr>\n`;
}

export function statusPage(status: StatusBoard, context: PageContext): string {
  const collectors = status.collectorStatus();
  const targets = status.targetStatus();
  const down = targets.filter((t) => !t.up).length;
  const summary = targets.length === 0
    ? 'No poll has finished yet.'
    : down === 0 ? `All ${targets.length} targets are up.` : `${down} of ${targets.length} targets are down.`;
  return layout('Huawei Cloud DB exporter: status', html`<h1>Huawei Cloud DB exporter</h1>
<p class="muted">Version ${context.version} · page generated ${utcTime(context.now)}</p>
${navigation(context)}
<p class="summary">${summary}</p>
<h2>Collectors</h2>
<table><thead><tr><th>Collector</th><th>Schedule</th><th>Last poll</th><th>Duration</th><th>Next poll</th><th>Skipped polls</th><th>Targets</th><th>Up</th></tr></thead>
<tbody>
${collectors.map(collectorRow)}</tbody></table>
<h2>Targets</h2>
<table><thead><tr><th>State</th><th>Collector</th><th>Name</th><th>Instance id</th><th>HTAP instance id</th><th>Project</th><th>Region</th>
<th>Last success</th><th>Age</th><th>Last error: API</th><th>HTTP</th><th>error_code</th><th>error_msg</th><th>Request id</th><th>When</th></tr></thead>
<tbody>
${targets.map((t) => targetRow(t, context.now))}</tbody></table>
`);
}
