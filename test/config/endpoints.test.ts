import { describe, expect, it } from '@jest/globals';
import { defaultEndpoints, normalizeEndpoint } from '../../src/config/endpoints.js';

describe('defaultEndpoints', () => {
  it.each([
    ['ap-southeast-1', 'gaussdb-opengauss', 'gaussdbformysql'],
    ['cn-north-4', 'gaussdb-opengauss', 'gaussdb'],
    ['cn-east-4', 'gaussdb', 'gaussdb'],
    ['cn-east-5', 'gaussdb', 'gaussdb-mysql'],
    ['tr-west-1', 'gaussdb', 'gaussdbformysql'],
    ['af-south-1', 'gaussdb-opengauss', 'gaussdb-mysql'],
    ['la-north-2', 'gaussdb-opengauss', 'gaussdb-mysql'],
    ['cn-north-11', 'gaussdb-opengauss', 'gaussdbformysql'],
    ['cn-southwest-3', 'gaussdb-opengauss', 'gaussdb-mysql'],
    ['me-east-1', 'gaussdb', 'gaussdbformysql'],
    ['xx-nowhere-9', 'gaussdb-opengauss', 'gaussdb'],
  ])('%s → %s / %s', (region, gaussdb, taurusdb) => {
    expect(defaultEndpoints(region)).toEqual({
      iam: `https://iam.${region}.myhuaweicloud.com`,
      gaussdb: `https://${gaussdb}.${region}.myhuaweicloud.com`,
      taurusdb: `https://${taurusdb}.${region}.myhuaweicloud.com`,
    });
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
