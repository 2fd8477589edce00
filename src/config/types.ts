// The validated, fully resolved configuration the rest of the exporter runs on: environment
// variables interpolated, `*_file` secrets read, durations in milliseconds, endpoints filled in.
// `schema.ts` turns the YAML file (snake_case keys) into this shape.

import type { CollectorsSettings } from '../collectors/index.js';

/** The Huawei Cloud database services this exporter reads, as the configuration names them. */
export type Service = 'gaussdb' | 'taurusdb';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Where the server listens: `listen_address` split; an empty host means every interface. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** The `web:` section of the exporter's file (the web config file it names is `WebConfigFile`). */
export interface WebSection {
  listenAddress: ListenAddress;
  telemetryPath: string;
  /** exporter-toolkit style web config (TLS, basic auth); empty when unset */
  configFile: string;
  /** POST /-/reload is served (else 403); SIGHUP reloads either way */
  enableLifecycle: boolean;
}

export interface ScheduleConfig {
  /** node-cron expression; a 6th leading field means seconds */
  schedule: string;
}

/** `collectors:`: each collector's settings under its name (src/collectors/index.ts), when
 *  projects with `discover: true` list their instances, and the failed-poll grace. */
export type CollectorsConfig = CollectorsSettings & {
  discovery: ScheduleConfig;
  /** failed polls in a row through which a target's last good samples stay published */
  grace_polls: number;
};

export interface HttpConfig {
  timeoutMs: number;
  retries: number;
  /** requests in flight per project */
  concurrency: number;
  /** requests in flight across all projects */
  maxInFlight: number;
}

export type AuthConfig =
  /** `securityToken` makes the pair a temporary one (X-Security-Token) */
  | { type: 'aksk'; accessKey: string; secretKey: string; securityToken?: string }
  | { type: 'password'; domain: string; user: string; password: string }
  | { type: 'token'; token: string }
  /** the agency's temporary keys from the ECS metadata service (`endpoints.metadata`) */
  | { type: 'metadata' }
  /** CCE workload identity: an OIDC ID token (re-read at every refresh) exchanged at IAM for temporary keys */
  | { type: 'workload_identity'; idpId: string; idTokenFile: string; durationSeconds: number };

export type AuthType = AuthConfig['type'];

export interface InstanceRef {
  id: string;
  /** display name for the `_info` metrics; the id when none is configured */
  name: string;
}

export interface Endpoints {
  iam: string;
  /** undefined where the SDK has no endpoint in the region and the file gives none (service unused) */
  gaussdb: string | undefined;
  taurusdb: string | undefined;
}

export interface ProjectEndpoints extends Endpoints {
  /** the ECS metadata service for auth type `metadata`, when not the link-local default */
  metadata?: string;
}

export interface EngineConfig {
  /** configured instances, polled whatever discovery finds */
  instances: InstanceRef[];
  /** also poll every instance the service's list API shows, filtered by include/exclude */
  discover: boolean;
  /** discovered instances are kept when their name matches `include` and not `exclude` */
  include: RegExp | undefined;
  exclude: RegExp | undefined;
  /** discovered instances are kept when in one of these enterprise projects (empty: any) */
  enterpriseProjectIds: string[];
  /** discovered instances are kept when they carry every one of these tags (key → value) */
  includeTags: ReadonlyMap<string, string>;
  /** discovered instances carrying any of these tags (key → value) are left out */
  excludeTags: ReadonlyMap<string, string>;
  /** tag keys published as `tag_<key>` labels of `huaweicloud_<service>_instance_tags` (empty: no such series) */
  tagsAllowlist: string[];
}

export interface ProjectConfig {
  region: string;
  projectId: string;
  endpoints: ProjectEndpoints;
  auth: AuthConfig;
  gaussdb: EngineConfig;
  taurusdb: EngineConfig;
}

export interface Config {
  web: WebSection;
  logLevel: LogLevel;
  collectors: CollectorsConfig;
  http: HttpConfig;
  projects: ProjectConfig[];
}
