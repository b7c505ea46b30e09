//! Column sets of the SHOW / DESCRIBE commands, in Snowflake's order
//! (see docs/emulator.md for where positions are uncertain).

use crate::result::ColType::{self, *};

pub const DATABASES: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("is_default", Text),
    ("is_current", Text),
    ("origin", Text),
    ("owner", Text),
    ("comment", Text),
    ("options", Text),
    ("retention_time", Text),
    ("kind", Text),
    ("owner_role_type", Text),
    ("object_visibility", Text),
    ("data_quality_monitoring_settings", Text),
];

pub const SCHEMAS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("is_default", Text),
    ("is_current", Text),
    ("database_name", Text),
    ("owner", Text),
    ("comment", Text),
    ("options", Text),
    ("retention_time", Text),
    ("owner_role_type", Text),
    ("object_visibility", Text),
    ("is_nested", Text),
];

pub const TERSE: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("kind", Text),
    ("database_name", Text),
    ("schema_name", Text),
];

pub const WAREHOUSES: &[(&str, ColType)] = &[
    ("name", Text),
    ("state", Text),
    ("type", Text),
    ("size", Text),
    ("min_cluster_count", Fixed),
    ("max_cluster_count", Fixed),
    ("started_clusters", Fixed),
    ("running", Fixed),
    ("queued", Fixed),
    ("is_default", Text),
    ("is_current", Text),
    ("is_interactive", Text),
    ("auto_suspend", Fixed),
    ("auto_resume", Text),
    ("available", Text),
    ("provisioning", Text),
    ("quiescing", Text),
    ("other", Text),
    ("created_on", TimestampLtz),
    ("resumed_on", TimestampLtz),
    ("updated_on", TimestampLtz),
    ("owner", Text),
    ("comment", Text),
    ("enable_query_acceleration", Text),
    ("query_acceleration_max_scale_factor", Fixed),
    ("resource_monitor", Text),
    ("actives", Fixed),
    ("pendings", Fixed),
    ("failed", Fixed),
    ("suspended", Fixed),
    ("uuid", Text),
    ("scaling_policy", Text),
    ("owner_role_type", Text),
    ("resource_constraint", Text),
    ("generation", Text),
    ("warehouse_credit_limit", Text),
    ("target_statement_size", Text),
    ("disabled_reasons", Text),
];

pub const ROLES: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("is_default", Text),
    ("is_current", Text),
    ("is_inherited", Text),
    ("assigned_to_users", Fixed),
    ("granted_to_roles", Fixed),
    ("granted_roles", Fixed),
    ("owner", Text),
    ("comment", Text),
];

pub const USERS: &[(&str, ColType)] = &[
    ("name", Text),
    ("created_on", TimestampLtz),
    ("login_name", Text),
    ("display_name", Text),
    ("first_name", Text),
    ("last_name", Text),
    ("email", Text),
    ("mins_to_unlock", Text),
    ("days_to_expiry", Text),
    ("comment", Text),
    ("disabled", Text),
    ("must_change_password", Text),
    ("snowflake_lock", Text),
    ("default_warehouse", Text),
    ("default_namespace", Text),
    ("default_role", Text),
    ("default_secondary_roles", Text),
    ("ext_authn_duo", Text),
    ("ext_authn_uid", Text),
    ("mins_to_bypass_mfa", Text),
    ("owner", Text),
    ("last_success_login", TimestampLtz),
    ("expires_at_time", TimestampLtz),
    ("locked_until_time", TimestampLtz),
    ("has_password", Text),
    ("has_rsa_public_key", Text),
    ("type", Text),
    ("has_mfa", Text),
    ("has_pat", Text),
    ("has_workload_identity", Text),
    ("is_from_organization_user", Text),
];

pub const TABLES: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("name", Text),
    ("database_name", Text),
    ("schema_name", Text),
    ("kind", Text),
    ("comment", Text),
    ("cluster_by", Text),
    ("rows", Fixed),
    ("bytes", Fixed),
    ("owner", Text),
    ("retention_time", Text),
    ("automatic_clustering", Text),
    ("change_tracking", Text),
    ("search_optimization", Text),
    ("search_optimization_progress", Text),
    ("search_optimization_bytes", Text),
    ("is_external", Text),
    ("enable_schema_evolution", Text),
    ("owner_role_type", Text),
    ("is_event", Text),
    ("budget", Text),
    ("is_hybrid", Text),
    ("is_iceberg", Text),
    ("is_dynamic", Text),
    ("is_immutable", Text),
];

/// SHOW GRANTS TO ROLE.
pub const GRANTS_TO_ROLE: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("granted_on", Text),
    ("name", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
    ("granted_by", Text),
];

/// `SHOW GRANTS ON <object>` and `SHOW GRANTS ON ACCOUNT`.
pub const GRANTS_ON: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("granted_on", Text),
    ("name", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
    ("granted_by", Text),
    ("granted_by_role_type", Text),
];

pub const GRANTS_TO_USER: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("granted_on", Text),
    ("name", Text),
    ("role", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
    ("granted_by", Text),
];

pub const GRANTS_OF_ROLE: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("role", Text),
    ("granted_to", Text),
    ("grantee_name", Text),
    ("granted_by", Text),
];

pub const FUTURE_GRANTS: &[(&str, ColType)] = &[
    ("created_on", TimestampLtz),
    ("privilege", Text),
    ("grant_on", Text),
    ("name", Text),
    ("grant_to", Text),
    ("grantee_name", Text),
    ("grant_option", Text),
];

pub const PARAMETERS: &[(&str, ColType)] = &[
    ("key", Text),
    ("value", Text),
    ("default", Text),
    ("level", Text),
    ("description", Text),
    ("type", Text),
];

/// DESCRIBE DATABASE / SCHEMA / WAREHOUSE.
pub const DESCRIBE_CONTAINER: &[(&str, ColType)] =
    &[("created_on", TimestampLtz), ("name", Text), ("kind", Text)];

pub const DESCRIBE_TABLE: &[(&str, ColType)] = &[
    ("name", Text),
    ("type", Text),
    ("kind", Text),
    ("null?", Text),
    ("default", Text),
    ("primary key", Text),
    ("unique key", Text),
    ("check", Text),
    ("expression", Text),
    ("comment", Text),
    ("policy name", Text),
    ("privacy domain", Text),
];
