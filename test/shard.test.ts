import { describe, expect, it } from '@jest/globals';
import { parseCli, resolveShard } from '../src/cli.js';
import { inShard } from '../src/discovery.js';

describe('shard selection', () => {
  it('takes --shard/--total-shards, then SHARD/TOTAL_SHARDS, then a StatefulSet ordinal', () => {
    expect(parseCli(['--shard', '1', '--total-shards', '3'], {}).shard).toEqual({ index: 1, total: 3 });
    expect(parseCli([], { SHARD: '2', TOTAL_SHARDS: '4' }).shard).toEqual({ index: 2, total: 4 });
    expect(parseCli(['--total-shards', '3'], { POD_NAME: 'hwc-db-exporter-2' }).shard).toEqual({ index: 2, total: 3 });
    expect(parseCli([], { POD_NAME: 'hwc-db-exporter-7d9f-x' }).shard).toEqual({ index: 0, total: 1 });
  });

  it('refuses an index outside the shard count or a missing index', () => {
    expect(() => resolveShard('3', '3', undefined)).toThrow('--shard: "3" must be a whole number from 0 to 2');
    expect(() => resolveShard('-1', '3', undefined)).toThrow('--shard');
    expect(() => resolveShard(undefined, '0', undefined)).toThrow('--total-shards: "0"');
    expect(() => resolveShard(undefined, '2', 'exporter')).toThrow('--total-shards needs --shard');
  });

  it('puts every id in exactly one shard, spread evenly', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `${i.toString(16).padStart(32, '0')}in14`);
    const counts = [0, 0, 0, 0];
    for (const id of ids) {
      const owners = [0, 1, 2, 3].filter((index) => inShard(id, { index, total: 4 }));
      expect(owners).toHaveLength(1);
      const owner = owners[0] ?? 0;
      counts[owner] = (counts[owner] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(600);
  });
});
