// Default API endpoints per region, and validation of endpoints given in the file.
// Source: the regions-and-endpoints tables of the GaussDB and TaurusDB API references.

import type { Endpoints } from './types.js';

/** GaussDB (openGauss) API host prefix per region: `{prefix}.{region}.myhuaweicloud.com` */
const GAUSSDB_HOST_PREFIX: Record<string, string> = Object.fromEntries([
  ...['cn-north-4', 'cn-southwest-2', 'cn-south-1', 'ru-northwest-2', 'ap-southeast-1', 'ap-southeast-2',
    'ap-southeast-3', 'ap-southeast-4', 'cn-north-2', 'cn-east-3', 'sa-brazil-1', 'la-south-2', 'la-north-2',
    'af-south-1', 'cn-north-9', 'cn-south-2', 'cn-south-4'].map((region) => [region, 'gaussdb-opengauss']),
  ...['cn-east-4', 'cn-east-5', 'ap-southeast-5', 'tr-west-1', 'me-east-1', 'af-north-1', 'cn-east-2',
    'cn-north-12'].map((region) => [region, 'gaussdb']),
]);

/** TaurusDB API host prefix per region (instance list, `/htap`, `/htap/process`) */
const TAURUSDB_HOST_PREFIX: Record<string, string> = Object.fromEntries([
  ...['cn-north-4', 'cn-southwest-2', 'cn-east-3', 'cn-south-1', 'ru-northwest-2', 'ap-southeast-3',
    'cn-north-2', 'cn-north-9', 'ap-southeast-4', 'sa-brazil-1', 'cn-south-4'].map((region) => [region, 'gaussdb']),
  ...['tr-west-1', 'ap-southeast-1', 'ap-southeast-2', 'cn-north-11', 'me-east-1']
    .map((region) => [region, 'gaussdbformysql']),
  ...['af-south-1', 'cn-east-5', 'la-north-2', 'cn-southwest-3'].map((region) => [region, 'gaussdb-mysql']),
]);

/** for a region in neither table: the prefix most regions use */
const DEFAULT_GAUSSDB_PREFIX = 'gaussdb-opengauss';
const DEFAULT_TAURUSDB_PREFIX = 'gaussdb';

export function defaultEndpoints(region: string): Endpoints {
  const gaussdb = GAUSSDB_HOST_PREFIX[region] ?? DEFAULT_GAUSSDB_PREFIX;
  const taurusdb = TAURUSDB_HOST_PREFIX[region] ?? DEFAULT_TAURUSDB_PREFIX;
  return {
    iam: `https://iam.${region}.myhuaweicloud.com`,
    gaussdb: `https://${gaussdb}.${region}.myhuaweicloud.com`,
    taurusdb: `https://${taurusdb}.${region}.myhuaweicloud.com`,
  };
}

/**
 * An endpoint from the file as a base URL without trailing slash (API paths such as
 * `/v3/...` are appended to it), or the reason it is not usable.
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
