// The operator's pages and their JSON twins, as routes for http.ts. Each answers from what the
// status board (and the top-sessions store) hold; nothing here calls the cloud.
import type { TopSessionsStore } from '../../collectors/top-sessions.js';
import type { StatusBoard } from '../../status/target-status.js';
import { PAGE_HEADERS } from './html.js';
import { sessionsApi } from './sessions-api.js';
import { sessionsPage } from './sessions-page.js';
import { statusPage } from './status-page.js';
import { targetsApi } from './targets-api.js';

export interface OperatorViews {
  version: string;
  telemetryPath: string;
  status: StatusBoard;
  sessions: TopSessionsStore;
  /** the clock ages are measured against (tests pin it) */
  now?: () => number;
}

export interface PageAnswer {
  contentType: string;
  headers: Readonly<Record<string, string>>;
  body: string;
}

export type PageRoute = (query: URLSearchParams) => PageAnswer;

const JSON_ANSWER = { contentType: 'application/json; charset=utf-8', headers: { 'Cache-Control': 'no-store' } };
const HTML_ANSWER = { contentType: 'text/html; charset=utf-8', headers: PAGE_HEADERS };

export function operatorRoutes(views: OperatorViews): Array<[string, PageRoute]> {
  const now = views.now ?? Date.now;
  const context = () => ({ version: views.version, telemetryPath: views.telemetryPath, now: now() });
  return [
    ['/', () => ({ ...HTML_ANSWER, body: statusPage(views.status, context()) })],
    ['/api/v1/targets', () => ({ ...JSON_ANSWER, body: targetsApi(views.status, now()) })],
    ['/sessions', (query) => ({ ...HTML_ANSWER, body: sessionsPage(views.sessions, context(), query.get('htap_instance_id') ?? undefined) })],
    ['/api/v1/sessions', (query) => ({ ...JSON_ANSWER, body: sessionsApi(views.sessions, now(), query.get('htap_instance_id') ?? undefined) })],
  ];
}
