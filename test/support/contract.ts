// The metric families docs/contract.md promises on /metrics (besides the exporter's own).
export const CONTRACT_FAMILIES = [
  'huaweicloud_gaussdb_sessions', 'huaweicloud_gaussdb_sessions_active', 'huaweicloud_gaussdb_sessions_slow_sql',
  'huaweicloud_gaussdb_sessions_lock_waiting', 'huaweicloud_gaussdb_instance_info',
  'huaweicloud_taurusdb_htap_instances', 'huaweicloud_taurusdb_htap_instances_limit', 'huaweicloud_taurusdb_htap_instance_info',
  'huaweicloud_taurusdb_htap_instance_status', 'huaweicloud_taurusdb_htap_instance_nodes', 'huaweicloud_taurusdb_htap_instance_frozen',
  'huaweicloud_taurusdb_htap_instance_restart_pending', 'huaweicloud_taurusdb_htap_instance_created_timestamp_seconds',
  'huaweicloud_taurusdb_htap_sessions', 'huaweicloud_taurusdb_htap_session_max_duration_seconds',
  'huaweicloud_taurusdb_htap_sessions_long_running', 'huaweicloud_taurusdb_htap_sessions_by_user',
  'huaweicloud_taurusdb_htap_sessions_by_database', 'huaweicloud_taurusdb_htap_sessions_by_host',
  'huaweicloud_db_up', 'huaweicloud_db_last_success_timestamp_seconds',
] as const;
