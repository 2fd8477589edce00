// Default API endpoints per region, from the official SDK's region tables (sdk-endpoints.ts),
// and validation of endpoints given in the file.

import type { Endpoints } from './types.js';
import { SDK_ENDPOINTS, SDK_IAM_GLOBAL_ENDPOINT } from './sdk-endpoints.js';

const lookup = (table: Readonly<Record<string, string>>, region: string): string | undefined =>
  Object.hasOwn(table, region) ? table[region] : undefined;

/**
 * The SDK's endpoints for a region. A service the SDK has no endpoint for there is undefined
 * (using it needs an override); IAM falls back to the global endpoint, as the SDK does.
 */
export function defaultEndpoints(region: string): Endpoints {
  return {
    iam: lookup(SDK_ENDPOINTS.iam, region) ?? SDK_IAM_GLOBAL_ENDPOINT,
    gaussdb: lookup(SDK_ENDPOINTS.gaussdb, region),
    taurusdb: lookup(SDK_ENDPOINTS.taurusdb, region),
  };
}

/**
 * An endpoint from the file as a base URL without trailing slash (API paths such as
 * `/v3/...` are appended to it, so a path prefix such as a reverse proxy's is kept), or the
 * reason it is not usable.
 */
export function normalizeEndpoint(text: string): { url: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { error: 'not a URL: expected http(s)://host[:port]' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { error: `unsupported scheme "${url.protocol.slice(0, -1)}": expected https:// or http://` };
  }
  if (url.username !== '' || url.password !== '') return { error: 'must not contain credentials' };
  if (url.search !== '' || url.hash !== '') return { error: 'must not have a query or fragment' };
  const path = url.pathname.replace(/\/+$/, '');
  return { url: `${url.protocol}//${url.host}${path}` };
}

/** `path` (starting with `/`, possibly with a query) under a base URL from normalizeEndpoint, prefix kept. */
export function endpointUrl(base: string, path: string): URL {
  return new URL(`${base}${path}`);
}
