// JSON bodies exactly as the real APIs send them (field names, types, nulls from the seed pages;
// the instance lists as the SDK models type them, checked by test/simulator/wire.test.ts), built
// from the fleet model. Wire-only details (IPs, node ids, VPC ids) derive from the instance
// id so they are stable without being stored.

import {
  durationIsString, hash32, rng,
  type GaussDbInstance, type HtapInstance, type Project, type Session, type TaurusDbInstance,
} from './fleet.js';

type Json = Record<string, unknown>;

function hexFrom(next: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(next() * 4294967296).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function uuidFrom(next: () => number): string {
  const h = hexFrom(next, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** "2024-05-22T07:58:24+0800", the list APIs' date format. */
function listDate(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+0800`;
}

/** A count as the overview API sends it: a string, zero-padded to three digits now and then
 *  (the seed's "036"), decided per instance and tick so both forms show up. */
function countString(value: number, id: string, tick: number, field: string): string {
  return hash32(id, tick, field) % 3 === 0 ? String(value).padStart(3, '0') : String(value);
}

export function overviewBody(instance: GaussDbInstance, tick: number): Json {
  const o = instance.overview;
  return {
    active_num: countString(o.active, instance.id, tick, 'active'),
    total_num: countString(o.total, instance.id, tick, 'total'),
    slow_sql_num: countString(o.slowSql, instance.id, tick, 'slow'),
    lock_num: countString(o.lockWaiting, instance.id, tick, 'lock'),
  };
}

/** The dates, user and network of a listed instance, in the order the list answers give them. */
function placement(r: () => number, created: number): Json {
  return {
    created: listDate(created),
    updated: listDate(created + 86_400_000),
    db_user_name: 'root',
    vpc_id: uuidFrom(r),
    subnet_id: uuidFrom(r),
    security_group_id: uuidFrom(r),
  };
}

export function gaussDbListItem(instance: GaussDbInstance, project: Project): Json {
  const r = rng(hash32(instance.id, 'wire'));
  const created = 1_690_000_000_000 + Math.floor(r() * 20_000_000_000);
  const az = `${project.region}a`;
  const ip = `192.168.${Math.floor(r() * 250)}.${2 + Math.floor(r() * 250)}`;
  return {
    id: instance.id,
    name: instance.name,
    status: instance.status,
    private_ips: [ip],
    public_ips: [],
    port: 8000,
    type: 'Enterprise',
    ha: { replication_mode: 'sync', consistency: 'strong' },
    region: project.region,
    datastore: { type: 'GaussDB', version: '8.201' },
    ...placement(r, created),
    flavor_ref: 'gaussdb.opengauss.ee.dn.m6.2xlarge.8.in',
    flavor_info: { vcpu: 8, mem: 64 },
    volume: { type: 'ULTRAHIGH', size: 480 },
    switch_strategy: 'reliability',
    backup_strategy: { start_time: '19:00-20:00', keep_days: 7 },
    maintenance_window: '02:00-06:00',
    nodes: [1, 2, 3].map((n) => ({
      id: `${hexFrom(r, 32)}no14`,
      name: `${instance.name}_gaussdb_node_${n}`,
      status: 'ACTIVE',
      role: n === 1 ? 'master' : 'slave',
      availability_zone: az,
    })),
    enterprise_project_id: instance.enterpriseProjectId,
    instance_mode: 'ha',
    time_zone: 'UTC+08:00',
    charge_info: { charge_mode: 'postPaid' },
    tags: instance.tags,
  };
}

export function taurusDbListItem(instance: TaurusDbInstance, project: Project): Json {
  const r = rng(hash32(instance.id, 'wire'));
  const created = 1_690_000_000_000 + Math.floor(r() * 20_000_000_000);
  return {
    id: instance.id,
    name: instance.name,
    status: instance.status,
    private_ips: [`192.168.${Math.floor(r() * 250)}.${2 + Math.floor(r() * 250)}`],
    public_ips: [],
    port: '3306',
    type: 'Cluster',
    region: project.region,
    datastore: { type: 'gaussdb-mysql', version: '8.0' },
    ...placement(r, created),
    flavor_ref: 'gaussdb.mysql.xlarge.x86.4',
    flavor_info: { vcpus: '4', ram: '16' },
    volume: { type: 'POOL', size: '100' },
    backup_strategy: { start_time: '18:00-19:00', keep_days: '7' },
    enterprise_project_id: instance.enterpriseProjectId,
    time_zone: 'UTC+08:00',
    charge_info: { charge_mode: 'postPaid' },
    dedicated_resource_id: '',
    tags: instance.tags,
  };
}

/** One entry of the /htap answer, with every field of the seed's example and its nulls. */
export function htapItem(h: HtapInstance, project: Project): Json {
  const r = rng(hash32(h.id, 'wire'));
  const starRocks = h.engine === 'star-rocks';
  // StarRocks lists its FE nodes as readable nodes: three in a cluster, one when single.
  const feCount = h.haMode === 'Cluster' ? 3 : 1;
  const nodes = Array.from({ length: feCount }, (_, i) => ({
    data_ip: `192.168.8.${2 + Math.floor(r() * 250)}`,
    node_id: `${hexFrom(r, 32)}no17`,
    node_name: `${h.name}_fe_shard01_node${String(i + 1).padStart(2, '0')}`,
  }));
  const vpc = uuidFrom(r);
  const subnet = uuidFrom(r);
  return {
    id: h.id,
    name: h.name,
    engine_name: h.engine,
    engine_version: h.engineVersion,
    project_id: project.projectId,
    instance_state: {
      instance_status: h.status,
      create_fail_error_code: null,
      fail_message: null,
      wait_restart_for_params: h.waitRestart,
    },
    create_at: h.createAt,
    is_frozen: h.frozen,
    ha_mode: h.haMode,
    pay_model: '0',
    order_id: null,
    alter_order_id: '',
    data_vip: nodes.map((n) => n.data_ip).join(','),
    readable_node_infos: nodes,
    proxy_ips: [],
    data_vip_v6: null,
    port: starRocks ? 3306 : 9004,
    available_zones: [{ code: `${project.region}a`, description: 'az1', az_type: 'Center' }],
    current_actions: h.status === 'rebooting'
      ? [{
        id: hexFrom(r, 32), action: 'REBOOT', object_id: h.id, type: 'instance', job_id: uuidFrom(r), status: 'RUNNING',
        created_at: h.createAt, updated_at: h.createAt,
      }]
      : [],
    volume_type: 'SSD',
    server_type: 'KVM',
    enterprise_project_id: '0',
    dedicated_resource_id: '',
    network: { vpc_id: vpc, sub_net_id: subnet, security_group_id: '' },
    ch_master_node_id: starRocks ? null : (nodes[0]?.node_id ?? null),
    node_num: h.nodeNum,
  };
}

export function htapBody(t: TaurusDbInstance, project: Project): Json {
  return {
    total: t.htap.length,
    instances: t.htap.map((h) => htapItem(h, project)),
    max_htap_instance_num_of_taurus: t.maxHtap,
  };
}

export function processItem(s: Session): Json {
  return {
    id: s.id,
    user: s.user,
    host: s.host,
    state: s.state,
    database: s.database,
    sql_statement: s.sql,
    duration: durationIsString(s) ? String(s.duration) : s.duration,
    command: s.command,
  };
}

function asRecord(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function mapArray(value: unknown, f: (item: Json, i: number) => Json): unknown {
  return Array.isArray(value) ? value.map((item, i) => f(asRecord(item) ?? {}, i)) : value;
}

/** The `wrong_types` fault: the same answer with fields of types the API never documents. */
export function withWrongTypes(api: string, body: unknown): unknown {
  const b = asRecord(body);
  if (!b) return body;
  switch (api) {
    case 'gaussdb_session_overview':
      return { ...b, active_num: Number(b['active_num']), total_num: 'n/a', slow_sql_num: '1.5e', lock_num: null };
    case 'taurusdb_htap_process':
      return {
        ...b,
        process_list: mapArray(b['process_list'], (p, i) => ({ ...p, id: Number(p['id']), user: i % 2 === 0 ? 42 : p['user'], duration: 'abc' })),
      };
    case 'taurusdb_htap':
      return {
        ...b,
        total: `${String(b['total'])} instances`,
        max_htap_instance_num_of_taurus: 'ten',
        instances: mapArray(b['instances'], (h) => ({
          ...h, node_num: 'six', is_frozen: 'no', create_at: '2024-05-22', instance_state: 'normal',
        })),
      };
    case 'gaussdb_instances':
    case 'taurusdb_instances':
      return { ...b, total_count: 'many', instances: mapArray(b['instances'], (i) => ({ ...i, id: 12345, port: 3306 })) };
    case 'iam_token': {
      const token = asRecord(b['token']) ?? {};
      return { ...b, token: { ...token, expires_at: 1_700_000_000 } };
    }
    default:
      return body;
  }
}
