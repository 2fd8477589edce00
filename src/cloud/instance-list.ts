// The instance list API that both services share in shape (`GET /v3/{project}/instances`), for
// discovery.
import type { ProjectApi } from './api.js';
import type { Service } from '../config/types.js';
import { AnswerReader } from './answer.js';

/** One entry of a service's instance list (discovery). */
export interface CloudInstance {
  id: string;
  name: string;
  status: string;
}

/** Pages of an instance list fetched at most; 100 pages of 100 is far beyond any project's quota. */
export const MAX_INSTANCE_LIST_PAGES = 100;
const INSTANCE_LIST_PAGE_SIZE = 100;

/**
 * `GET /v3/{project}/instances?offset=&limit=` of either service, paged by `total_count`.
 * Only id, name and status of each entry are kept, so a page is dropped as soon as it is read.
 */
export async function listInstances(api: ProjectApi, service: Service, apiName: string, signal: AbortSignal): Promise<CloudInstance[]> {
  const read = new AnswerReader(apiName);
  const found: CloudInstance[] = [];
  for (let page = 0; ; page++) {
    if (page >= MAX_INSTANCE_LIST_PAGES) read.fail('page cap reached');
    const query = { offset: String(found.length), limit: String(INSTANCE_LIST_PAGE_SIZE) };
    const body = read.body(await api.getJson(service, `/v3/${api.projectId}/instances`, { api: apiName, query, signal }));
    const totalCount = read.count(body.total_count, 'total_count');
    const entries = read.array(body.instances, 'instances');
    for (const entry of entries) {
      const instance = read.object(entry, 'instances[]');
      found.push({
        id: read.string(instance.id, 'instances[].id'),
        name: read.optionalString(instance.name, 'instances[].name') ?? '',
        status: read.optionalString(instance.status, 'instances[].status') ?? '',
      });
    }
    // A short page ends the list even if total_count (which may move while we page) says more.
    if (found.length >= totalCount || entries.length < INSTANCE_LIST_PAGE_SIZE) return found;
  }
}
