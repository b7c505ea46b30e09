//! Parameters shown by SHOW PARAMETERS: defaults, descriptions, types and the
//! levels at which each can be set.

use crate::error::SfError;
use crate::parser::Value;

pub struct Param {
    pub key: &'static str,
    pub default: &'static str,
    pub ty: &'static str,
    pub description: &'static str,
    /// Scopes whose SHOW PARAMETERS lists the parameter.
    pub levels: &'static [&'static str],
}

pub const PARAMS: &[Param] = &[
    Param {
        key: "AUTOCOMMIT",
        default: "true",
        ty: "BOOLEAN",
        description: "The autocommit property determines whether is statement should to be implicitly wrapped within a transaction or not.",
        levels: &["ACCOUNT", "SESSION"],
    },
    Param {
        key: "DATA_RETENTION_TIME_IN_DAYS",
        default: "1",
        ty: "NUMBER",
        description: "number of days to retain the old version of deleted/updated data",
        levels: &["ACCOUNT", "DATABASE", "SCHEMA"],
    },
    Param {
        key: "DEFAULT_DDL_COLLATION",
        default: "",
        ty: "STRING",
        description: "Collation that is used for all the new columns created by the DDL statements (if not specified)",
        levels: &["ACCOUNT", "DATABASE", "SCHEMA"],
    },
    Param {
        key: "MAX_CONCURRENCY_LEVEL",
        default: "8",
        ty: "NUMBER",
        description: "Concurrency level for SQL statements (i.e. queries and DML) executed by a warehouse cluster",
        levels: &["ACCOUNT", "WAREHOUSE"],
    },
    Param {
        key: "MAX_DATA_EXTENSION_TIME_IN_DAYS",
        default: "14",
        ty: "NUMBER",
        description: "Maximum number of days to extend data retention beyond the retention period to prevent a stream becoming stale.",
        levels: &["ACCOUNT", "DATABASE", "SCHEMA"],
    },
    Param {
        key: "QUERY_TAG",
        default: "",
        ty: "STRING",
        description: "String (up to 4096 characters) used to tag statements executed by the session",
        levels: &["ACCOUNT", "SESSION"],
    },
    Param {
        key: "QUOTED_IDENTIFIERS_IGNORE_CASE",
        default: "false",
        ty: "BOOLEAN",
        description: "If true, the case of quoted identifiers is ignored",
        levels: &["ACCOUNT", "SESSION", "DATABASE", "SCHEMA"],
    },
    Param {
        key: "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS",
        default: "0",
        ty: "NUMBER",
        description: "Timeout in seconds for queued statements: statements will automatically be canceled if they are queued on a warehouse for longer than this amount of time; disabled if set to zero.",
        levels: &["ACCOUNT", "SESSION", "WAREHOUSE"],
    },
    Param {
        key: "STATEMENT_TIMEOUT_IN_SECONDS",
        default: "172800",
        ty: "NUMBER",
        description: "Timeout in seconds for statements: statements are automatically canceled if they run for longer; if set to zero, max value (604800) is enforced.",
        levels: &["ACCOUNT", "SESSION", "WAREHOUSE"],
    },
    Param {
        key: "TIMEZONE",
        default: "America/Los_Angeles",
        ty: "STRING",
        description: "time zone",
        levels: &["ACCOUNT", "SESSION"],
    },
];

pub fn default_of(key: &str) -> &'static str {
    PARAMS
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.default)
        .unwrap_or("")
}

/// Check a value set through ALTER ... SET / CREATE for a known numeric or boolean parameter.
pub fn validate(key: &str, v: &Value) -> Result<(), SfError> {
    let Some(p) = PARAMS.iter().find(|p| p.key == key) else {
        return Ok(());
    };
    let text = v.text();
    let ok = match p.ty {
        "NUMBER" => {
            matches!(v, Value::Num(_))
                && text.parse::<i64>().is_ok_and(|n| {
                    n >= 0
                        && (key != "DATA_RETENTION_TIME_IN_DAYS" || n <= 90)
                        && (key != "MAX_DATA_EXTENSION_TIME_IN_DAYS" || n <= 90)
                })
        }
        "BOOLEAN" => matches!(v, Value::Bool(_)),
        _ => matches!(v, Value::Str(_)),
    };
    if ok {
        Ok(())
    } else {
        Err(SfError::invalid_value(&text, key))
    }
}
