// The operator's pages and their JSON twins, as routes for http.ts. Each answers from what the
// status board (and, later, the top-sessions store) hold; nothing here calls the cloud.
import type { StatusBoard } from '../../status/target-status.js';
import { targetsApi } from './targets-api.js';

export interface OperatorViews {
  status: StatusBoard;
  /** the clock ages are measured against (tests pin it) */
  now?: () => number;
}

export interface PageAnswer {
  contentType: string;
  body: string;
}

export type PageRoute = (query: URLSearchParams) => PageAnswer;

const JSON_TYPE = 'application/json; charset=utf-8';

export function operatorRoutes(views: OperatorViews): Array<[string, PageRoute]> {
  const now = views.now ?? Date.now;
  return [
    ['/api/v1/targets', () => ({ contentType: JSON_TYPE, body: targetsApi(views.status, now()) })],
  ];
}
