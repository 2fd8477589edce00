import { describe, expect, it } from '@jest/globals';
import { defaultEndpoints, endpointUrl, normalizeEndpoint } from '../../src/config/endpoints.js';
import { SDK_ENDPOINTS, SDK_IAM_GLOBAL_ENDPOINT, SDK_RELEASE } from '../../src/config/sdk-endpoints.js';

describe('the SDK endpoint tables', () => {
  it('are the tables of SDK release 3.1.209, row for row', () => {
    expect(SDK_RELEASE).toBe('3.1.209');
    // Region counts and the rows the exporter once got wrong, as in the SDK's region files.
    expect(Object.keys(SDK_ENDPOINTS.gaussdb)).toHaveLength(25);
    expect(Object.keys(SDK_ENDPOINTS.taurusdb)).toHaveLength(20);
    expect(Object.keys(SDK_ENDPOINTS.iam)).toHaveLength(28);
    expect(SDK_ENDPOINTS.iam['eu-west-101']).toBe('https://iam.eu-west-101.myhuaweicloud.eu');
    expect(SDK_ENDPOINTS.gaussdb['cn-east-2']).toBe('https://gaussdb.cn-east-2.myhuaweicloud.com');
    expect(SDK_ENDPOINTS.taurusdb['tr-west-1']).toBe('https://gaussdbformysql.tr-west-1.myhuaweicloud.com');
    expect(SDK_IAM_GLOBAL_ENDPOINT).toBe('https://iam.myhuaweicloud.com');
    for (const region of ['af-north-1', 'ap-southeast-5', 'cn-east-2', 'cn-east-4', 'cn-north-12']) {
      expect(Object.hasOwn(SDK_ENDPOINTS.taurusdb, region)).toBe(false);
      expect(Object.hasOwn(SDK_ENDPOINTS.gaussdb, region)).toBe(true);
    }
    // Every endpoint is https://<service host>.<its own region>.<domain>.
    for (const [service, table] of Object.entries(SDK_ENDPOINTS)) {
      for (const [region, url] of Object.entries(table)) {
        expect(`${service} ${url}`).toMatch(new RegExp(`^${service} https://[a-z-]+\\.${region}\\.myhuaweicloud\\.(com|eu)$`));
      }
    }
  });

  it('give every region its SDK endpoint, no endpoint where the SDK has none, and the global IAM elsewhere', () => {
    const regions = new Set(Object.values(SDK_ENDPOINTS).flatMap((table) => Object.keys(table)));
    for (const region of [...regions, 'xx-nowhere-9']) {
      const gaussdb: Record<string, string> = SDK_ENDPOINTS.gaussdb;
      const taurusdb: Record<string, string> = SDK_ENDPOINTS.taurusdb;
      const iam: Record<string, string> = SDK_ENDPOINTS.iam;
      expect(defaultEndpoints(region)).toEqual({
        iam: iam[region] ?? 'https://iam.myhuaweicloud.com',
        gaussdb: gaussdb[region],
        taurusdb: taurusdb[region],
      });
    }
  });

  it.each([
    ['cn-east-2', 'https://iam.cn-east-2.myhuaweicloud.com', 'https://gaussdb.cn-east-2.myhuaweicloud.com', undefined],
    ['cn-north-4', 'https://iam.cn-north-4.myhuaweicloud.com', 'https://gaussdb-opengauss.cn-north-4.myhuaweicloud.com', 'https://gaussdb.cn-north-4.myhuaweicloud.com'],
    ['eu-west-101', 'https://iam.eu-west-101.myhuaweicloud.eu', undefined, undefined],
    ['cn-southwest-3', 'https://iam.myhuaweicloud.com', undefined, 'https://gaussdb-mysql.cn-southwest-3.myhuaweicloud.com'],
    ['constructor', 'https://iam.myhuaweicloud.com', undefined, undefined],
  ])('%s', (region, iam, gaussdb, taurusdb) => {
    expect(defaultEndpoints(region)).toEqual({ iam, gaussdb, taurusdb });
  });
});

describe('normalizeEndpoint', () => {
  it.each([
    ['https://gaussdb.example.com', 'https://gaussdb.example.com'],
    ['https://gaussdb.example.com/', 'https://gaussdb.example.com'],
    ['http://127.0.0.1:8443//', 'http://127.0.0.1:8443'],
    ['https://proxy.example.com/huawei/', 'https://proxy.example.com/huawei'],
    ['HTTPS://Example.COM', 'https://example.com'],
  ])('%s → %s', (text, url) => {
    expect(normalizeEndpoint(text)).toEqual({ url });
  });

  it.each([
    ['gaussdb.example.com', 'not a URL: expected http(s)://host[:port]'],
    ['ftp://example.com', 'unsupported scheme "ftp": expected https:// or http://'],
    ['https://user:pw@example.com', 'must not contain credentials'],
    ['https://example.com/?a=1', 'must not have a query or fragment'],
  ])('rejects %s', (text, error) => {
    expect(normalizeEndpoint(text)).toEqual({ error });
  });
});

describe('endpointUrl', () => {
  it('keeps a path prefix of the endpoint', () => {
    expect(endpointUrl('https://gw.example.com/hwc', '/v3/p1/instances?limit=100').href)
      .toBe('https://gw.example.com/hwc/v3/p1/instances?limit=100');
    expect(endpointUrl('http://127.0.0.1:8443', '/v3/auth/tokens').href).toBe('http://127.0.0.1:8443/v3/auth/tokens');
  });
});
