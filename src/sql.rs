//! Change -> SQL statements; identifier quoting and literal escaping.
//!
//! Every name is written fully qualified through [`crate::model::Ident::sql`] (bare only
//! when that is exactly equivalent, otherwise double-quoted), and every text
//! value through [`literal`], so that no configured string can end a
//! statement early. Statements carry no trailing semicolon; renderers add one.
//!
//! Two flavours are generated for each change:
//! - [`plain`]: what the plan shows and apply runs: plain `CREATE`, `DROP`,
//!   `ALTER`, `GRANT`, `REVOKE`. A `CREATE` of an object that already exists
//!   fails loudly (002002) instead of silently adopting someone else's object.
//! - [`recovery`]: the idempotent equivalent apply runs for a change that was
//!   in flight when a previous run died (see `docs/state.md`):
//!   `CREATE ... IF NOT EXISTS` followed by `ALTER ... SET` of every managed
//!   attribute, `DROP ... IF EXISTS`; GRANT and REVOKE are idempotent already.

use crate::kinds::{self, Sql};
use crate::model::{Attrs, ResourceId};

pub use crate::model::quote::literal;

/// `CREATE` of `id` (`GRANT` for grants), then `GRANT OWNERSHIP` to its
/// owner when that is not the role that creates it.
pub fn create(id: &ResourceId, attrs: &Attrs, if_not_exists: bool) -> Vec<String> {
    let kind = kinds::of(id);
    let mut out = match &kind.sql {
        _ if kind.is_adopted(id) => adopt(id, attrs),
        Sql::Object => vec![kinds::object_create(kind, id, attrs, if_not_exists)],
        Sql::Custom(hooks) => (hooks.create)(id, attrs),
    };
    out.extend(kinds::ownership_transfer(kind, id, None, attrs));
    out
}

/// `DROP` of `id` (`REVOKE` of what was recorded, for grants).
pub fn drop(id: &ResourceId, recorded: &Attrs, if_exists: bool) -> Vec<String> {
    let kind = kinds::of(id);
    if kind.is_adopted(id) {
        // It stays with its container; pudo stops managing it.
        return Vec::new();
    }
    match &kind.sql {
        Sql::Object => vec![kinds::object_drop(kind, id, if_exists)],
        // An object's idempotent drop is `DROP ... IF EXISTS`, whatever
        // its other statements.
        Sql::Custom(_) if if_exists && kind.is_object() => {
            vec![kinds::object_drop(kind, id, true)]
        }
        Sql::Custom(hooks) => (hooks.drop)(id, recorded),
    }
}

/// The in-place change from `before` to `after` (a new owner last, so that
/// the statements before it run as the recorded owner).
pub fn update(id: &ResourceId, before: &Attrs, after: &Attrs) -> Vec<String> {
    let kind = kinds::of(id);
    let mut out = match &kind.sql {
        Sql::Object => kinds::object_update(kind, id, before, after),
        Sql::Custom(hooks) => (hooks.update)(id, before, after),
    };
    out.extend(kinds::ownership_transfer(kind, id, Some(before), after));
    out
}

/// The idempotent form of a create: the object exists afterwards with the
/// managed attributes, whether it existed before or not. (A kind with its
/// own SQL grants, and GRANT is idempotent already.)
pub fn ensure(id: &ResourceId, attrs: &Attrs) -> Vec<String> {
    let kind = kinds::of(id);
    let mut out = match &kind.sql {
        _ if kind.is_adopted(id) => adopt(id, attrs),
        Sql::Object => kinds::object_ensure(kind, id, attrs),
        Sql::Custom(hooks) => (hooks.ensure.unwrap_or(hooks.create))(id, attrs),
    };
    out.extend(kinds::ownership_transfer(kind, id, None, attrs));
    out
}

/// The "create" of an object that exists with its container: its managed
/// attributes set (nothing when it has none). Idempotent.
fn adopt(id: &ResourceId, attrs: &Attrs) -> Vec<String> {
    let kind = kinds::of(id);
    match &kind.sql {
        Sql::Object => kinds::object_ensure(kind, id, attrs).split_off(1),
        Sql::Custom(hooks) => (hooks.update)(id, &Attrs::new(), attrs),
    }
}

/// Whether a create can run twice as it is (GRANT, GRANT ROLE).
pub fn create_is_idempotent(id: &ResourceId) -> bool {
    matches!(kinds::of(id).sql, Sql::Custom(hooks) if hooks.ensure.is_none())
}

/// The action of a change, as far as SQL is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Create,
    Update,
    /// Drop and create again (the object cannot change in place).
    Replace,
    /// Create again, because dropping something it lives in removed it.
    Recreate,
    Drop,
}

/// The statements apply runs for a change, in order.
pub fn plain(
    step: Step,
    id: &ResourceId,
    before: Option<&Attrs>,
    after: Option<&Attrs>,
) -> Vec<String> {
    let empty = Attrs::new();
    let before = before.unwrap_or(&empty);
    let after = after.unwrap_or(&empty);
    match step {
        Step::Create | Step::Recreate => create(id, after, false),
        Step::Update => update(id, before, after),
        Step::Replace => {
            let mut out = drop(id, before, false);
            out.extend(create(id, after, false));
            out
        }
        Step::Drop => drop(id, before, false),
    }
}

/// The idempotent statements for a change that may already have been
/// (partly) executed by a run that died before recording it.
pub fn recovery(
    step: Step,
    id: &ResourceId,
    before: Option<&Attrs>,
    after: Option<&Attrs>,
) -> Vec<String> {
    let empty = Attrs::new();
    let before = before.unwrap_or(&empty);
    let after = after.unwrap_or(&empty);
    match step {
        Step::Create | Step::Recreate => ensure(id, after),
        // ALTER SET/UNSET and GRANT/REVOKE deltas can run twice.
        Step::Update => update(id, before, after),
        Step::Replace => {
            // Dropped and not yet created, or created already: in both
            // cases the object must end up new. A half-done replace that
            // already re-created it is dropped and created once more,
            // which is what the plan asked for.
            let mut out = drop(id, before, true);
            out.extend(create(id, after, false));
            out
        }
        Step::Drop => drop(id, before, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::kinds::{database, grant, role, role_grant, schema, warehouse};
    use crate::model::{Ident, Value};

    fn ident(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn literals_keep_hostile_text_inside_the_string() {
        let cases = [
            ("plain", "'plain'"),
            ("it's", "'it''s'"),
            ("back\\slash", "'back\\\\slash'"),
            ("\\'", "'\\\\'''"),
            ("'; DROP DATABASE x; --", "'''; DROP DATABASE x; --'"),
            ("line1\nline2", "'line1\\nline2'"),
            ("tab\there\r", "'tab\\there\\r'"),
            ("nul\0", "'nul\\000'"),
            ("bell\u{7}", "'bell\\x07'"),
            ("$$dollar$$", "'$$dollar$$'"),
            ("ünï \"q\"", "'ünï \"q\"'"),
        ];
        for (input, expected) in cases {
            assert_eq!(literal(input), expected, "{input:?}");
            // Inside the literal, every quote is doubled and every backslash
            // starts an escape we wrote: the string cannot end early.
            let inner = &expected[1..expected.len() - 1];
            assert!(!inner.replace("''", "").contains('\''), "{input:?}");
            assert!(!expected.contains('\n'));
        }
    }

    #[test]
    fn hostile_names_are_quoted_and_fully_qualified() {
        let cases: Vec<(ResourceId, &str)> = vec![
            (
                database::id(ident("\"a\"\"b\"")),
                "CREATE DATABASE \"a\"\"b\"",
            ),
            (
                schema::id(ident("\"lower db\""), ident("\"my.schema\"")),
                "CREATE SCHEMA \"lower db\".\"my.schema\"",
            ),
            (
                schema::id(ident("pudo_mlops"), ident("\"TABLE\"")),
                "CREATE SCHEMA PUDO_MLOPS.\"TABLE\"",
            ),
            (
                warehouse::id(ident("\"wh; DROP\"")),
                "CREATE WAREHOUSE \"wh; DROP\"",
            ),
            (
                role::id(ident("\"role\"\"; --\"")),
                "CREATE ROLE \"role\"\"; --\"",
            ),
        ];
        for (id, expected) in cases {
            assert_eq!(
                create(&id, &Attrs::new(), false),
                vec![expected.to_string()]
            );
        }
    }

    #[test]
    fn comments_stay_comments() {
        let id = role::id(ident("R"));
        let hostile = "x'; DROP DATABASE PUDO_MLOPS; --\nnext \\ line";
        let sql = create(&id, &attrs(&[("comment", text(hostile))]), false);
        assert_eq!(
            sql,
            vec!["CREATE ROLE R COMMENT = 'x''; DROP DATABASE PUDO_MLOPS; --\\nnext \\\\ line'"]
        );
    }

    #[test]
    fn warehouse_create_update_and_unset() {
        let id = warehouse::id(ident("PUDO_DEV_WH"));
        let before = attrs(&[
            ("size", text("XSMALL")),
            ("auto_suspend", Value::Int(60)),
            ("auto_resume", Value::Bool(true)),
            ("initially_suspended", Value::Bool(true)),
            ("type", text("SNOWPARK-OPTIMIZED")),
            ("comment", text("old")),
        ]);
        assert_eq!(
            create(&id, &before, false),
            vec![
                "CREATE WAREHOUSE PUDO_DEV_WH WAREHOUSE_TYPE = 'SNOWPARK-OPTIMIZED' WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE COMMENT = 'old'"
            ]
        );
        let after = attrs(&[
            ("size", text("SMALL")),
            ("auto_suspend", Value::Int(300)),
            ("initially_suspended", Value::Bool(false)),
            ("type", text("STANDARD")),
        ]);
        assert_eq!(
            update(&id, &before, &after),
            vec![
                "ALTER WAREHOUSE PUDO_DEV_WH SET WAREHOUSE_TYPE = STANDARD WAREHOUSE_SIZE = SMALL AUTO_SUSPEND = 300",
                "ALTER WAREHOUSE PUDO_DEV_WH UNSET AUTO_RESUME, COMMENT",
            ]
        );
        // Size no longer managed: no UNSET (Snowflake has none for it).
        let no_size = attrs(&[("auto_suspend", Value::Int(60))]);
        let with_size = attrs(&[("size", text("XSMALL")), ("auto_suspend", Value::Int(60))]);
        assert!(update(&id, &with_size, &no_size).is_empty());
    }

    #[test]
    fn database_and_schema_clauses() {
        let id = schema::id(ident("D"), ident("S"));
        let a = attrs(&[
            ("transient", Value::Bool(true)),
            ("managed_access", Value::Bool(true)),
            ("data_retention_time_in_days", Value::Int(1)),
            ("comment", text("c")),
        ]);
        assert_eq!(
            create(&id, &a, false),
            vec![
                "CREATE TRANSIENT SCHEMA D.S WITH MANAGED ACCESS DATA_RETENTION_TIME_IN_DAYS = 1 COMMENT = 'c'"
            ]
        );
        let b = attrs(&[
            ("transient", Value::Bool(true)),
            ("managed_access", Value::Bool(false)),
        ]);
        assert_eq!(
            update(&id, &a, &b),
            vec![
                "ALTER SCHEMA D.S DISABLE MANAGED ACCESS",
                "ALTER SCHEMA D.S UNSET DATA_RETENTION_TIME_IN_DAYS, COMMENT",
            ]
        );
        assert_eq!(
            plain(Step::Replace, &id, Some(&a), Some(&b)),
            vec!["DROP SCHEMA D.S", "CREATE TRANSIENT SCHEMA D.S"]
        );
        assert_eq!(
            ensure(&id, &a),
            vec![
                "CREATE TRANSIENT SCHEMA IF NOT EXISTS D.S WITH MANAGED ACCESS DATA_RETENTION_TIME_IN_DAYS = 1 COMMENT = 'c'",
                "ALTER SCHEMA D.S SET DATA_RETENTION_TIME_IN_DAYS = 1 COMMENT = 'c'",
                "ALTER SCHEMA D.S ENABLE MANAGED ACCESS",
            ]
        );
        assert_eq!(
            recovery(Step::Drop, &id, Some(&a), None),
            vec!["DROP SCHEMA IF EXISTS D.S"]
        );
    }

    #[test]
    fn grants_are_privilege_deltas() {
        let id = grant::id(
            ident("R"),
            grant::future_in_schema("TABLES", ident("D"), ident("\"s x\"")),
        );
        let list = |p: &[&str]| {
            attrs(&[(
                "privileges",
                Value::List(p.iter().map(|s| s.to_string()).collect()),
            )])
        };
        assert_eq!(
            create(&id, &list(&["INSERT", "SELECT"]), false),
            vec!["GRANT INSERT, SELECT ON FUTURE TABLES IN SCHEMA D.\"s x\" TO ROLE R"]
        );
        assert_eq!(
            update(
                &id,
                &list(&["INSERT", "SELECT"]),
                &list(&["SELECT", "UPDATE"])
            ),
            vec![
                "GRANT UPDATE ON FUTURE TABLES IN SCHEMA D.\"s x\" TO ROLE R",
                "REVOKE INSERT ON FUTURE TABLES IN SCHEMA D.\"s x\" FROM ROLE R",
            ]
        );
        assert_eq!(
            drop(&id, &list(&["SELECT"]), false),
            vec!["REVOKE SELECT ON FUTURE TABLES IN SCHEMA D.\"s x\" FROM ROLE R"]
        );
        let member = role_grant::id(ident("R"), ident("SYSADMIN"));
        assert_eq!(
            create(&member, &Attrs::new(), false),
            vec!["GRANT ROLE R TO ROLE SYSADMIN"]
        );
        assert_eq!(
            drop(&member, &Attrs::new(), false),
            vec!["REVOKE ROLE R FROM ROLE SYSADMIN"]
        );
    }
}
