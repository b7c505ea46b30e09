//! Which privileges exist on which object kind, and what `ALL` expands to.

const ACCOUNT: &[&str] = &[
    "APPLY AGGREGATION POLICY",
    "APPLY AUTHENTICATION POLICY",
    "APPLY BUDGET",
    "APPLY MASKING POLICY",
    "APPLY PACKAGES POLICY",
    "APPLY PASSWORD POLICY",
    "APPLY ROW ACCESS POLICY",
    "APPLY SESSION POLICY",
    "APPLY TAG",
    "ATTACH POLICY",
    "AUDIT",
    "BIND SERVICE ENDPOINT",
    "CREATE ACCOUNT",
    "CREATE API INTEGRATION",
    "CREATE APPLICATION",
    "CREATE APPLICATION PACKAGE",
    "CREATE COMPUTE POOL",
    "CREATE CREDENTIAL",
    "CREATE DATA EXCHANGE LISTING",
    "CREATE DATABASE",
    "CREATE EXTERNAL VOLUME",
    "CREATE FAILOVER GROUP",
    "CREATE INTEGRATION",
    "CREATE NETWORK POLICY",
    "CREATE REPLICATION GROUP",
    "CREATE ROLE",
    "CREATE SHARE",
    "CREATE USER",
    "CREATE WAREHOUSE",
    "EXECUTE ALERT",
    "EXECUTE DATA METRIC FUNCTION",
    "EXECUTE MANAGED ALERT",
    "EXECUTE MANAGED TASK",
    "EXECUTE TASK",
    "IMPORT SHARE",
    "MANAGE ACCOUNT SUPPORT CASES",
    "MANAGE EVENT SHARING",
    "MANAGE GRANTS",
    "MANAGE LISTING AUTO FULFILLMENT",
    "MANAGE ORGANIZATION SUPPORT CASES",
    "MANAGE USER SUPPORT CASES",
    "MANAGE WAREHOUSES",
    "MODIFY LOG LEVEL",
    "MODIFY SESSION LOG LEVEL",
    "MODIFY SESSION TRACE LEVEL",
    "MODIFY TRACE LEVEL",
    "MONITOR",
    "MONITOR EXECUTION",
    "MONITOR SECURITY",
    "MONITOR USAGE",
    "OVERRIDE SHARE RESTRICTIONS",
    "PURCHASE DATA EXCHANGE LISTING",
    "RESOLVE ALL",
];
const DATABASE: &[&str] = &[
    "APPLYBUDGET",
    "CREATE DATABASE ROLE",
    "CREATE SCHEMA",
    "MODIFY",
    "MONITOR",
    "USAGE",
];
const DATABASE_EXTRA: &[&str] = &["IMPORTED PRIVILEGES", "REFERENCE_USAGE"];
const WAREHOUSE: &[&str] = &["APPLYBUDGET", "MODIFY", "MONITOR", "OPERATE", "USAGE"];
const SCHEMA: &[&str] = &[
    "ADD SEARCH OPTIMIZATION",
    "APPLYBUDGET",
    "CREATE ALERT",
    "CREATE CORTEX SEARCH SERVICE",
    "CREATE DATASET",
    "CREATE DYNAMIC TABLE",
    "CREATE EVENT TABLE",
    "CREATE EXTERNAL TABLE",
    "CREATE FILE FORMAT",
    "CREATE FUNCTION",
    "CREATE ICEBERG TABLE",
    "CREATE MASKING POLICY",
    "CREATE MATERIALIZED VIEW",
    "CREATE MODEL",
    "CREATE NETWORK RULE",
    "CREATE NOTEBOOK",
    "CREATE PASSWORD POLICY",
    "CREATE PIPE",
    "CREATE PROCEDURE",
    "CREATE ROW ACCESS POLICY",
    "CREATE SECRET",
    "CREATE SEQUENCE",
    "CREATE SESSION POLICY",
    "CREATE SNAPSHOT",
    "CREATE STAGE",
    "CREATE STREAM",
    "CREATE STREAMLIT",
    "CREATE TABLE",
    "CREATE TAG",
    "CREATE TASK",
    "CREATE VIEW",
    "MODIFY",
    "MONITOR",
    "USAGE",
];
const TABLE: &[&str] = &[
    "APPLYBUDGET",
    "DELETE",
    "EVOLVE SCHEMA",
    "INSERT",
    "REBUILD",
    "REFERENCES",
    "SELECT",
    "TRUNCATE",
    "UPDATE",
];
const VIEW: &[&str] = &["REFERENCES", "SELECT"];
const USER: &[&str] = &["MONITOR"];
/// For schema-object kinds the emulator does not model (tasks, stages, ...).
const OTHER: &[&str] = &[
    "APPLYBUDGET",
    "DELETE",
    "INSERT",
    "MONITOR",
    "OPERATE",
    "READ",
    "REFERENCES",
    "SELECT",
    "TRUNCATE",
    "UPDATE",
    "USAGE",
    "WRITE",
];

fn list(kind: &str) -> &'static [&'static str] {
    match kind {
        "ACCOUNT" => ACCOUNT,
        "DATABASE" => DATABASE,
        "WAREHOUSE" => WAREHOUSE,
        "SCHEMA" => SCHEMA,
        "TABLE" => TABLE,
        "VIEW" => VIEW,
        "USER" => USER,
        "ROLE" => &[],
        _ => OTHER,
    }
}

/// Whether `privilege` can be granted on an object of `kind` (OWNERSHIP
/// on anything but the account).
pub fn is_valid(kind: &str, privilege: &str) -> bool {
    (privilege == "OWNERSHIP" && kind != "ACCOUNT")
        || list(kind).contains(&privilege)
        || (kind == "DATABASE" && DATABASE_EXTRA.contains(&privilege))
}

/// What `ALL [PRIVILEGES]` stands for on `kind`.
pub fn all(kind: &str) -> Vec<String> {
    list(kind).iter().map(|s| s.to_string()).collect()
}
