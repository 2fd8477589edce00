// The field types of the SDK models of the instance list answers, copied as data from
// huaweicloud/huaweicloud-sdk-nodejs-v3 release 3.1.209: GaussDB
// services/gaussdbforopengauss/v3/model/{ListInstanceResponse,ListFlavorInfo,ListVolume,ListHa,
// ListDatastore,OpenGaussBackupStrategyForListResponse,OpenGaussChargeInfoListResponse}.ts and TaurusDB
// services/gaussdb/v3/model/{MysqlInstanceListInfo,MysqlFlavorInfo,MysqlVolumeInfo,
// MysqlDatastoreWithKernelVersion,MysqlBackupStrategy,MysqlChargeInfo,InstanceTagItem}.ts.
// A nested model is a further table; `array` of a model names the item table after `[]`.

export type FieldType = 'string' | 'number' | 'boolean' | 'array' | 'object';
export interface Model {
  readonly [field: string]: FieldType | Model | readonly [Model];
}

export const GAUSSDB_LIST_INSTANCE: Model = {
  id: 'string', name: 'string', status: 'string', private_ips: 'array', public_ips: 'array', port: 'number', type: 'string',
  ha: { consistency: 'string', replication_mode: 'string' },
  replica_num: 'number', region: 'string',
  datastore: { type: 'string', version: 'string', complete_version: 'string', hotfix_versions: 'string', target_version: 'string', hotfix_finished_times: 'array' },
  created: 'string', updated: 'string', db_user_name: 'string', vpc_id: 'string', subnet_id: 'string', security_group_id: 'string',
  flavor_ref: 'string', flavor_info: { vcpu: 'number', mem: 'number' }, volume: { type: 'string', size: 'number' },
  switch_strategy: 'string', backup_strategy: { start_time: 'string', keep_days: 'number' }, maintenance_window: 'string',
  nodes: 'array', enterprise_project_id: 'string', instance_mode: 'string', disk_encryption_id: 'string',
  charge_info: { charge_mode: 'string' }, time_zone: 'string',
  // Array<object> in the model; the API reference documents {key, value}
  tags: [{ key: 'string', value: 'string' }],
  backup_used_space: 'string',
};

export const TAURUSDB_LIST_INSTANCE: Model = {
  id: 'string', name: 'string', status: 'string', private_ips: 'array', proxy_ips: 'array', readonly_private_ips: 'array',
  public_ips: 'array', port: 'string', type: 'string', region: 'string',
  datastore: { type: 'string', version: 'string', kernel_version: 'string' },
  created: 'string', updated: 'string', db_user_name: 'string', vpc_id: 'string', subnet_id: 'string', security_group_id: 'string',
  flavor_ref: 'string', flavor_info: { vcpus: 'string', ram: 'string' }, volume: { type: 'string', size: 'string' },
  backup_strategy: { start_time: 'string', keep_days: 'string' }, enterprise_project_id: 'string', time_zone: 'string',
  charge_info: { charge_mode: 'string', period_type: 'string', period_num: 'number', is_auto_renew: 'string', is_auto_pay: 'string' },
  dedicated_resource_id: 'string', tags: [{ key: 'string', value: 'string' }],
};

/** Where `value` differs from `model`: fields the model lacks, and values of another type. */
export function driftFrom(model: Model, value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path || 'body'}: not an object`];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, field]): string[] => {
    const where = path ? `${path}.${key}` : key;
    const expected = model[key];
    if (expected === undefined) return [`${where}: not in the SDK model`];
    if (field === null) return [];
    if (typeof expected === 'string') {
      const actual = Array.isArray(field) ? 'array' : typeof field;
      return actual === expected ? [] : [`${where}: ${actual}, the SDK model says ${expected}`];
    }
    if (Array.isArray(expected)) {
      if (!Array.isArray(field)) return [`${where}: not an array`];
      return field.flatMap((item, i) => driftFrom(expected[0] as Model, item, `${where}[${i}]`));
    }
    return driftFrom(expected as Model, field, where);
  });
}
