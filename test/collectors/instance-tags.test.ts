import { describe, expect, it } from '@jest/globals';
import { tagLabels } from '../../src/collectors/instance-tags.js';

describe('tagLabels (kube-state-metrics --metric-labels-allowlist naming)', () => {
  it('replaces characters outside [a-zA-Z0-9_] with _, turns camelCase into snake_case, sorts by key', () => {
    expect(tagLabels(['env', 'cost-center', 'app.kubernetes.io/name', 'costOwner', '成本', '1st'])).toEqual([
      { key: '1st', label: 'tag_1st' },
      { key: 'app.kubernetes.io/name', label: 'tag_app_kubernetes_io_name' },
      { key: 'cost-center', label: 'tag_cost_center' },
      { key: 'costOwner', label: 'tag_cost_owner' },
      { key: 'env', label: 'tag_env' },
      { key: '成本', label: 'tag___' },
    ]);
  });

  it('tells keys with one name apart by _conflict1, _conflict2, ... in key order; repeated keys count once', () => {
    expect(tagLabels(['team', 'Team', 'te-am', 'team'])).toEqual([
      { key: 'Team', label: 'tag_team_conflict1' },
      { key: 'te-am', label: 'tag_te_am' },
      { key: 'team', label: 'tag_team_conflict2' },
    ]);
    expect(tagLabels([])).toEqual([]);
  });
});
