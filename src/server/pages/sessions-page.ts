// The sessions page at /sessions: per HTAP instance, the longest-running busy sessions of the last
// completed poll, with their SQL text cut. Readable without script; every value escaped by `html`.
import type { InstanceTopSessions, TopSessionsStore } from '../../collectors/top-sessions.js';
import { html, layout, span, utcTime, type SafeHtml } from './html.js';
import { navigation, type PageContext } from './status-page.js';

function instanceSection(instance: InstanceTopSessions): SafeHtml {
  const rows = instance.sessions.map((s) => html`<tr><td class="id">${s.id}</td><td>${s.user}</td><td>${s.host}</td><td>${s.database}</td>
<td>${s.command}</td><td>${s.state}</td><td class="num">${span(s.durationSeconds)}</td><td><pre>${s.sql}${s.sqlCut ? ' …' : ''}</pre></td></tr>\n`);
  return html`<h2>${instance.name} <span class="muted">· HTAP <span class="id">${instance.htapInstanceId}</span> · TaurusDB <span class="id">${instance.instanceId}</span></span></h2>
<p class="muted">Project ${instance.projectId}, ${instance.region}; polled ${utcTime(instance.polledAt)}; ${instance.sessions.length} busy session(s) shown.</p>
${instance.sessions.length === 0 ? html`<p>No busy session.</p>` : html`<table><thead><tr><th>Session id</th><th>User</th><th>Host</th><th>Database</th><th>Command</th><th>State</th><th>Duration</th><th>SQL</th></tr></thead>
<tbody>
${rows}</tbody></table>`}
`;
}

export function sessionsPage(store: TopSessionsStore, context: PageContext, htapInstanceId: string | undefined): string {
  const { topSessions, topSessionsSqlChars } = store.settings;
  const instances = store.list(htapInstanceId);
  const intro = topSessions === 0
    ? html`<p class="summary">Off: set <code>collectors.htap_processes.top_sessions</code> to the number of sessions to keep per HTAP instance (it needs a protected or loopback-only endpoint, as SQL text can hold personal data).</p>`
    : html`<p class="summary">The ${topSessions} longest-running busy sessions (command not in <code>idle_commands</code>) of each StarRocks HTAP instance, as of its last poll; SQL text cut to ${topSessionsSqlChars} characters. An instance whose last poll failed is not listed: see the <a href="/">status page</a>.</p>`;
  return layout('Huawei Cloud DB exporter: longest-running sessions', html`<h1>Longest-running sessions</h1>
<p class="muted">Version ${context.version} · page generated ${utcTime(context.now)}</p>
${navigation(context)}
${intro}
${instances.map(instanceSection)}`);
}
