//! Table-driven check of SHOW / DESCRIBE column sets (names and order)
//! against the reference tables (shared/snowflake-reference/show-output.md),
//! read through snowflake-connector-rs.

mod common;

use common::*;

const DATABASES: &[&str] = &[
    "created_on",
    "name",
    "is_default",
    "is_current",
    "origin",
    "owner",
    "comment",
    "options",
    "retention_time",
    "kind",
    "owner_role_type",
    "object_visibility",
    "data_quality_monitoring_settings",
];
const DATABASES_HISTORY: &[&str] = &[
    "created_on",
    "name",
    "is_default",
    "is_current",
    "origin",
    "owner",
    "comment",
    "options",
    "retention_time",
    "dropped_on",
    "kind",
    "owner_role_type",
    "object_visibility",
    "data_quality_monitoring_settings",
];
/// `is_nested` placed right after `retention_time`, as in the one docs example that shows it.
const SCHEMAS: &[&str] = &[
    "created_on",
    "name",
    "is_default",
    "is_current",
    "database_name",
    "owner",
    "comment",
    "options",
    "retention_time",
    "is_nested",
    "owner_role_type",
    "object_visibility",
];
const TERSE: &[&str] = &["created_on", "name", "kind", "database_name", "schema_name"];
/// Docs example order, then the bundle 2025_03 columns.
const WAREHOUSES: &[&str] = &[
    "name",
    "state",
    "type",
    "size",
    "min_cluster_count",
    "max_cluster_count",
    "started_clusters",
    "running",
    "queued",
    "is_default",
    "is_current",
    "is_interactive",
    "auto_suspend",
    "auto_resume",
    "available",
    "provisioning",
    "quiescing",
    "other",
    "created_on",
    "resumed_on",
    "updated_on",
    "owner",
    "comment",
    "enable_query_acceleration",
    "query_acceleration_max_scale_factor",
    "resource_monitor",
    "actives",
    "pendings",
    "failed",
    "suspended",
    "uuid",
    "scaling_policy",
    "owner_role_type",
    "resource_constraint",
    "generation",
    "warehouse_credit_limit",
    "target_statement_size",
    "disabled_reasons",
];
const ROLES: &[&str] = &[
    "created_on",
    "name",
    "is_default",
    "is_current",
    "is_inherited",
    "assigned_to_users",
    "granted_to_roles",
    "granted_roles",
    "owner",
    "comment",
];
const USERS: &[&str] = &[
    "name",
    "created_on",
    "login_name",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "mins_to_unlock",
    "days_to_expiry",
    "comment",
    "disabled",
    "must_change_password",
    "snowflake_lock",
    "default_warehouse",
    "default_namespace",
    "default_role",
    "default_secondary_roles",
    "ext_authn_duo",
    "ext_authn_uid",
    "mins_to_bypass_mfa",
    "owner",
    "last_success_login",
    "expires_at_time",
    "locked_until_time",
    "has_password",
    "has_rsa_public_key",
    "type",
    "has_mfa",
    "has_pat",
    "has_workload_identity",
    "is_from_organization_user",
];
const GRANTS_TO_ROLE: &[&str] = &[
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
];
const GRANTS_ON: &[&str] = &[
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
    "granted_by_role_type",
];
const GRANTS_TO_USER: &[&str] = &[
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "role",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
];
const GRANTS_OF_ROLE: &[&str] = &[
    "created_on",
    "role",
    "granted_to",
    "grantee_name",
    "granted_by",
];
const FUTURE_GRANTS: &[&str] = &[
    "created_on",
    "privilege",
    "grant_on",
    "name",
    "grant_to",
    "grantee_name",
    "grant_option",
];
/// Terraform's `resourceMonitorRow` order (the docs page has no example).
const RESOURCE_MONITORS: &[&str] = &[
    "name",
    "credit_quota",
    "used_credits",
    "remaining_credits",
    "level",
    "frequency",
    "start_time",
    "end_time",
    "notify_at",
    "suspend_at",
    "suspend_immediately_at",
    "created_on",
    "owner",
    "comment",
    "notify_users",
];
/// SHOW TASKS page, Output (DESCRIBE TASK: the same).
const TASKS: &[&str] = &[
    "created_on",
    "name",
    "id",
    "database_name",
    "schema_name",
    "owner",
    "comment",
    "warehouse",
    "schedule",
    "predecessors",
    "state",
    "definition",
    "condition",
    "allow_overlapping_execution",
    "error_integration",
    "last_committed_on",
    "last_suspended_on",
    "owner_role_type",
    "config",
    "budget",
    "task_relations",
    "last_suspended_reason",
];
/// SHOW DATABASE ROLES, Output section.
const DATABASE_ROLES: &[&str] = &[
    "created_on",
    "name",
    "is_default",
    "is_current",
    "is_inherited",
    "granted_to_roles",
    "granted_to_database_roles",
    "granted_database_roles",
    "owner",
    "comment",
    "owner_role_type",
];
const PARAMETERS: &[&str] = &["key", "value", "default", "level", "description", "type"];
const DESCRIBE: &[&str] = &["created_on", "name", "kind"];

#[tokio::test]
async fn show_column_sets_match_the_reference() {
    let emu = Emulator::start(&[]);
    let s = emu.session().await;
    for sql in [
        "CREATE DATABASE cols_db",
        "CREATE SCHEMA cols_db.cols_sch",
        "CREATE WAREHOUSE cols_wh",
        "CREATE ROLE cols_role",
        "CREATE DATABASE ROLE cols_db.cols_dbrole",
        "CREATE TABLE cols_db.cols_sch.t (a INT)",
        "CREATE TASK cols_db.cols_sch.tk AS SELECT 1",
        "GRANT ROLE cols_role TO USER admin",
        "GRANT SELECT ON FUTURE TABLES IN SCHEMA cols_db.cols_sch TO ROLE cols_role",
    ] {
        rows(&s, sql).await;
    }
    let cases: &[(&str, &[&str])] = &[
        ("SHOW DATABASES", DATABASES),
        ("SHOW DATABASES HISTORY", DATABASES_HISTORY),
        ("SHOW TERSE DATABASES", TERSE),
        ("SHOW SCHEMAS IN ACCOUNT", SCHEMAS),
        ("SHOW TERSE SCHEMAS IN DATABASE cols_db", TERSE),
        ("SHOW WAREHOUSES", WAREHOUSES),
        ("SHOW ROLES", ROLES),
        ("SHOW USERS", USERS),
        ("SHOW RESOURCE MONITORS", RESOURCE_MONITORS),
        ("SHOW DATABASE ROLES IN DATABASE cols_db", DATABASE_ROLES),
        (
            "SHOW GRANTS TO DATABASE ROLE cols_db.cols_dbrole",
            GRANTS_TO_ROLE,
        ),
        (
            "SHOW GRANTS OF DATABASE ROLE cols_db.cols_dbrole",
            GRANTS_OF_ROLE,
        ),
        ("SHOW GRANTS TO ROLE cols_role", GRANTS_TO_ROLE),
        ("SHOW GRANTS ON DATABASE cols_db", GRANTS_ON),
        ("SHOW GRANTS ON ACCOUNT", GRANTS_ON),
        ("SHOW GRANTS ON SCHEMA cols_db.cols_sch", GRANTS_ON),
        ("SHOW GRANTS ON WAREHOUSE cols_wh", GRANTS_ON),
        ("SHOW GRANTS ON TABLE cols_db.cols_sch.t", GRANTS_ON),
        ("SHOW GRANTS TO USER admin", GRANTS_TO_USER),
        ("SHOW GRANTS", GRANTS_TO_USER),
        ("SHOW GRANTS OF ROLE cols_role", GRANTS_OF_ROLE),
        (
            "SHOW FUTURE GRANTS IN SCHEMA cols_db.cols_sch",
            FUTURE_GRANTS,
        ),
        ("SHOW FUTURE GRANTS IN DATABASE cols_db", FUTURE_GRANTS),
        ("SHOW FUTURE GRANTS TO ROLE cols_role", FUTURE_GRANTS),
        ("SHOW PARAMETERS IN ACCOUNT", PARAMETERS),
        ("SHOW PARAMETERS IN DATABASE cols_db", PARAMETERS),
        ("SHOW PARAMETERS IN WAREHOUSE cols_wh", PARAMETERS),
        ("SHOW TASKS IN ACCOUNT", TASKS),
        ("DESCRIBE TASK cols_db.cols_sch.tk", TASKS),
        ("DESCRIBE DATABASE cols_db", DESCRIBE),
        ("DESCRIBE SCHEMA cols_db.cols_sch", DESCRIBE),
        ("DESCRIBE WAREHOUSE cols_wh", DESCRIBE),
    ];
    let mut mismatches = Vec::new();
    for (sql, expected) in cases {
        let got = columns(&s, sql).await;
        if got != *expected {
            mismatches.push(format!(
                "{sql}:\n  got      {got:?}\n  expected {expected:?}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn show_limits_of_ten_thousand_rows() {
    let emu = Emulator::start(&[]);
    let s = emu.session().await;
    let (code, _) = error_code(&s, "SHOW DATABASES LIMIT 10001").await;
    assert_eq!(code, "001003");
    // A new account holds only the shared SNOWFLAKE database.
    assert_eq!(rows(&s, "SHOW DATABASES LIMIT 10000").await.len(), 1);
}
