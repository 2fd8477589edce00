// The instance list API that both services share in shape (`GET /v3/{project}/instances`), for
// discovery: SDK models ListInstancesResponse / ListInstanceResponse (GaussDB) and
// ListGaussMySqlInstancesResponse / MysqlInstanceListInfo (TaurusDB).
import type { ProjectApi } from './api.js';
import type { Service } from '../config/types.js';
import { AnswerReader } from './answer.js';

/** One entry of a service's instance list (discovery). */
export interface CloudInstance {
  id: string;
  name: string;
  status: string;
  /** `enterprise_project_id`; '' when the answer has none ("0" is the default project) */
  enterpriseProjectId: string;
  /** `tags`, key → value, in the order sent */
  tags: ReadonlyMap<string, string>;
}

/** Pages of an instance list fetched at most; 100 pages of 100 is far beyond any project's quota. */
export const MAX_INSTANCE_LIST_PAGES = 100;
const INSTANCE_LIST_PAGE_SIZE = 100;

/**
 * `GET /v3/{project}/instances?offset=&limit=` of either service, paged by `total_count` and,
 * when that is not usable, by the first short page. Only what discovery uses is kept of each
 * entry, so a page is dropped as soon as it is read; an entry without a usable id is left out.
 */
export async function listInstances(api: ProjectApi, service: Service, apiName: string, signal: AbortSignal): Promise<CloudInstance[]> {
  const read = new AnswerReader(apiName, api, signal);
  const found: CloudInstance[] = [];
  let offset = 0;
  for (let page = 0; ; page++) {
    if (page >= MAX_INSTANCE_LIST_PAGES) read.fail('page cap reached');
    const query = { offset: String(offset), limit: String(INSTANCE_LIST_PAGE_SIZE) };
    const body = read.body(await api.getJson(service, `/v3/${api.projectId}/instances`, { api: apiName, query, signal }));
    const totalCount = read.count(body.total_count, 'total_count');
    // Without a list there is nothing to discover: failing keeps the last discovered list.
    const entries = read.list(body.instances, 'instances') ?? read.fail('instances is missing or not a list');
    for (const entry of entries) {
      const instance = parseInstance(read, entry);
      if (instance) found.push(instance);
    }
    offset += entries.length;
    // A short page ends the list even if total_count (which may move while we page) says more.
    if ((totalCount !== undefined && offset >= totalCount) || entries.length < INSTANCE_LIST_PAGE_SIZE) return found;
  }
}

function parseInstance(read: AnswerReader, entry: unknown): CloudInstance | undefined {
  const raw = read.entry(entry, 'instances[]');
  if (raw === undefined) return undefined;
  const id = read.id(raw.id, 'instances[].id');
  if (id === undefined) return undefined;
  return {
    id,
    name: read.label(raw.name, 'instances[].name') ?? '',
    status: read.label(raw.status, 'instances[].status') ?? '',
    enterpriseProjectId: read.label(raw.enterprise_project_id, 'instances[].enterprise_project_id') ?? '',
    tags: parseTags(read, raw.tags),
  };
}

/** `tags: [{key, value}]`; an entry without a string key is an anomaly and left out. */
function parseTags(read: AnswerReader, value: unknown): Map<string, string> {
  const tags = new Map<string, string>();
  for (const tag of read.list(value ?? null, 'instances[].tags') ?? []) {
    const pair = read.entry(tag, 'instances[].tags[]');
    const key = read.id(pair?.key, 'instances[].tags[].key');
    if (key !== undefined) tags.set(key, read.label(pair?.value, 'instances[].tags[].value') ?? '');
  }
  return tags;
}
