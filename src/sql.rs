//! Change -> SQL statements; identifier quoting and literal escaping.
//!
//! Every name is written fully qualified through [`Ident::sql`] (bare only
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

use crate::model::{Attrs, GrantTarget, Ident, ResourceId, Value, attr};

/// A string literal: `'...'` with `\` doubled first, then `'` doubled, and
/// control characters written as backslash escapes, so that the statement
/// stays on one line and the stored text is exactly `text`.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_literal(&mut out, text);
    out
}

/// Appends [`literal`] to `out`.
fn push_literal(out: &mut String, text: &str) {
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\000"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// The object's kind keyword and its fully qualified SQL name, for the
/// object kinds that have one.
pub fn object_name(id: &ResourceId) -> Option<(&'static str, String)> {
    Some(match id {
        ResourceId::Database { name } => ("DATABASE", name.sql()),
        ResourceId::Schema { database, name } => {
            let mut out = String::with_capacity(database.as_str().len() + name.as_str().len() + 5);
            database.push_sql(&mut out);
            out.push('.');
            name.push_sql(&mut out);
            ("SCHEMA", out)
        }
        ResourceId::Warehouse { name } => ("WAREHOUSE", name.sql()),
        ResourceId::Role { name } => ("ROLE", name.sql()),
        ResourceId::Grant { .. } | ResourceId::RoleGrant { .. } => return None,
    })
}

/// The SQL keyword of a property, and how its value is written.
fn property_sql(id: &ResourceId, name: &str, value: &Value) -> Option<String> {
    let mut out = String::new();
    push_property(&mut out, id, name, value).then_some(out)
}

/// Appends `KEYWORD = value` to `out`; false (and nothing appended) when the
/// attribute is not a property of this kind of object.
fn push_property(out: &mut String, id: &ResourceId, name: &str, value: &Value) -> bool {
    let Some(keyword) = property_keyword(id, name) else {
        return false;
    };
    out.push_str(keyword);
    out.push_str(" = ");
    match (name, value) {
        (attr::COMMENT, Value::Text(t)) => push_literal(out, t),
        // `SNOWPARK-OPTIMIZED` needs quotes because of the hyphen.
        (attr::TYPE, Value::Text(t)) if !is_keyword(t) => push_literal(out, t),
        (_, Value::Text(t)) if is_keyword(t) => out.push_str(t),
        (_, Value::Text(t)) => push_literal(out, t),
        (_, Value::Bool(b)) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        (_, Value::Int(i)) => {
            use std::fmt::Write;
            let _ = write!(out, "{i}");
        }
        (_, Value::List(items)) => push_literal(out, &items.join(",")),
    }
    true
}

fn is_keyword(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The property keyword for an attribute that is set with `NAME = value`.
/// `transient` and `managed_access` are clauses, not properties.
fn property_keyword(id: &ResourceId, name: &str) -> Option<&'static str> {
    let kw = match (id, name) {
        (_, attr::COMMENT) => "COMMENT",
        (
            ResourceId::Database { .. } | ResourceId::Schema { .. },
            attr::DATA_RETENTION_TIME_IN_DAYS,
        ) => "DATA_RETENTION_TIME_IN_DAYS",
        (ResourceId::Warehouse { .. }, n) => match n {
            attr::SIZE => "WAREHOUSE_SIZE",
            attr::TYPE => "WAREHOUSE_TYPE",
            attr::AUTO_SUSPEND => "AUTO_SUSPEND",
            attr::AUTO_RESUME => "AUTO_RESUME",
            attr::MIN_CLUSTER_COUNT => "MIN_CLUSTER_COUNT",
            attr::MAX_CLUSTER_COUNT => "MAX_CLUSTER_COUNT",
            attr::SCALING_POLICY => "SCALING_POLICY",
            attr::INITIALLY_SUSPENDED => "INITIALLY_SUSPENDED",
            _ => return None,
        },
        _ => return None,
    };
    Some(kw)
}

/// Order in which properties are written (Snowflake's documentation order),
/// so statements read the same every time.
const PROPERTY_ORDER: &[&str] = &[
    attr::TYPE,
    attr::SIZE,
    attr::MIN_CLUSTER_COUNT,
    attr::MAX_CLUSTER_COUNT,
    attr::SCALING_POLICY,
    attr::AUTO_SUSPEND,
    attr::AUTO_RESUME,
    attr::INITIALLY_SUSPENDED,
    attr::DATA_RETENTION_TIME_IN_DAYS,
    attr::COMMENT,
];

/// Appends ` P1 = v1 P2 = v2 ...` (each property after a space) to `out`, in
/// [`PROPERTY_ORDER`]; returns how many were written.
fn push_ordered_properties(
    out: &mut String,
    id: &ResourceId,
    attrs: &Attrs,
    include_create_only: bool,
) -> usize {
    let mut written = 0;
    for name in PROPERTY_ORDER {
        if !include_create_only && *name == attr::INITIALLY_SUSPENDED {
            continue;
        }
        let Some(value) = attrs.get(*name) else {
            continue;
        };
        let mark = out.len();
        out.push(' ');
        if push_property(out, id, name, value) {
            written += 1;
        } else {
            out.truncate(mark);
        }
    }
    written
}

fn flag(attrs: &Attrs, name: &str) -> bool {
    matches!(attrs.get(name), Some(Value::Bool(true)))
}

fn privileges(attrs: Option<&Attrs>) -> &[String] {
    match attrs.and_then(|a| a.get(attr::PRIVILEGES)) {
        Some(Value::List(items)) => items,
        _ => &[],
    }
}

fn grant_sql<S: AsRef<str>>(privs: &[S], on: &GrantTarget, role: &Ident) -> String {
    privilege_sql("GRANT ", privs, on, " TO ROLE ", role)
}

fn revoke_sql<S: AsRef<str>>(privs: &[S], on: &GrantTarget, role: &Ident) -> String {
    privilege_sql("REVOKE ", privs, on, " FROM ROLE ", role)
}

/// `GRANT p1, p2 ON target TO ROLE role` (or the REVOKE), in one buffer.
fn privilege_sql<S: AsRef<str>>(
    verb: &str,
    privs: &[S],
    on: &GrantTarget,
    to: &str,
    role: &Ident,
) -> String {
    let mut out = String::with_capacity(96);
    out.push_str(verb);
    for (i, p) in privs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(p.as_ref());
    }
    out.push_str(" ON ");
    on.push_sql(&mut out);
    out.push_str(to);
    role.push_sql(&mut out);
    out
}

/// `GRANT ROLE role TO ROLE parent` (or the REVOKE ... FROM).
fn membership_sql(verb: &str, role: &Ident, to: &str, parent: &Ident) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(verb);
    role.push_sql(&mut out);
    out.push_str(to);
    parent.push_sql(&mut out);
    out
}

/// `CREATE ...` (one statement; a grant with its privileges; a membership).
/// `if_not_exists` gives the idempotent form used for recovery.
pub fn create(id: &ResourceId, attrs: &Attrs, if_not_exists: bool) -> Vec<String> {
    let ine = if if_not_exists { " IF NOT EXISTS" } else { "" };
    match id {
        ResourceId::Grant { role, on } => {
            let privs = privileges(Some(attrs));
            if privs.is_empty() {
                return Vec::new();
            }
            vec![grant_sql(privs, on, role)]
        }
        ResourceId::RoleGrant { role, parent } => {
            vec![membership_sql("GRANT ROLE ", role, " TO ROLE ", parent)]
        }
        _ => {
            let (kind, name) = object_name(id).expect("object kinds have names");
            let transient = matches!(id, ResourceId::Database { .. } | ResourceId::Schema { .. })
                && flag(attrs, attr::TRANSIENT);
            let mut sql = String::with_capacity(128);
            sql.push_str("CREATE ");
            if transient {
                sql.push_str("TRANSIENT ");
            }
            sql.push_str(kind);
            sql.push_str(ine);
            sql.push(' ');
            sql.push_str(&name);
            if matches!(id, ResourceId::Schema { .. }) && flag(attrs, attr::MANAGED_ACCESS) {
                sql.push_str(" WITH MANAGED ACCESS");
            }
            push_ordered_properties(&mut sql, id, attrs, true);
            vec![sql]
        }
    }
}

/// `DROP ...`, or the REVOKE that removes a grant or a membership.
/// `if_exists` gives the idempotent form used for recovery.
pub fn drop(id: &ResourceId, recorded: &Attrs, if_exists: bool) -> Vec<String> {
    let ie = if if_exists { " IF EXISTS" } else { "" };
    match id {
        ResourceId::Grant { role, on } => {
            let privs = privileges(Some(recorded));
            if privs.is_empty() {
                return Vec::new();
            }
            vec![revoke_sql(privs, on, role)]
        }
        ResourceId::RoleGrant { role, parent } => {
            vec![membership_sql("REVOKE ROLE ", role, " FROM ROLE ", parent)]
        }
        _ => {
            let (kind, name) = object_name(id).expect("object kinds have names");
            vec![format!("DROP {kind}{ie} {name}")]
        }
    }
}

/// In-place changes from `before` to `after` (both the managed attributes):
/// one `ALTER ... SET` with every changed property, one `ALTER ... UNSET`
/// with every property no longer managed that supports UNSET, managed
/// access toggles, and privilege deltas for grants.
/// `transient` and `initially_suspended` are never altered (see the diff).
pub fn update(id: &ResourceId, before: &Attrs, after: &Attrs) -> Vec<String> {
    match id {
        ResourceId::Grant { role, on } => {
            let old = privileges(Some(before));
            let new = privileges(Some(after));
            let added: Vec<&String> = new.iter().filter(|p| !old.contains(p)).collect();
            let removed: Vec<&String> = old.iter().filter(|p| !new.contains(p)).collect();
            let mut out = Vec::new();
            if !added.is_empty() {
                out.push(grant_sql(&added, on, role));
            }
            if !removed.is_empty() {
                out.push(revoke_sql(&removed, on, role));
            }
            out
        }
        ResourceId::RoleGrant { .. } => Vec::new(),
        _ => {
            let (kind, name) = object_name(id).expect("object kinds have names");
            let mut out = Vec::new();
            let mut set = Vec::new();
            let mut unset = Vec::new();
            for prop in PROPERTY_ORDER {
                if *prop == attr::INITIALLY_SUSPENDED {
                    continue;
                }
                match (before.get(*prop), after.get(*prop)) {
                    (b, Some(a)) if b != Some(a) => set.extend(property_sql(id, prop, a)),
                    // WAREHOUSE_SIZE cannot be UNSET: pudo just stops managing it.
                    (Some(_), None)
                        if !(matches!(id, ResourceId::Warehouse { .. }) && *prop == attr::SIZE) =>
                    {
                        unset.extend(property_keyword(id, prop));
                    }
                    _ => {}
                }
            }
            if matches!(id, ResourceId::Schema { .. }) {
                match (
                    before.get(attr::MANAGED_ACCESS),
                    after.get(attr::MANAGED_ACCESS),
                ) {
                    (b, Some(Value::Bool(true))) if b != Some(&Value::Bool(true)) => {
                        out.push(format!("ALTER SCHEMA {name} ENABLE MANAGED ACCESS"));
                    }
                    (Some(Value::Bool(true)), Some(Value::Bool(false))) => {
                        out.push(format!("ALTER SCHEMA {name} DISABLE MANAGED ACCESS"));
                    }
                    _ => {}
                }
            }
            if !set.is_empty() {
                out.insert(0, format!("ALTER {kind} {name} SET {}", set.join(" ")));
            }
            if !unset.is_empty() {
                out.push(format!("ALTER {kind} {name} UNSET {}", unset.join(", ")));
            }
            out
        }
    }
}

/// The statements that bring an object that may or may not exist to the
/// managed attributes, without failing either way: `CREATE ... IF NOT
/// EXISTS` and then `ALTER ... SET` of every managed property (plus the
/// managed-access toggle). For grants and memberships, the GRANT itself.
pub fn ensure(id: &ResourceId, attrs: &Attrs) -> Vec<String> {
    let mut out = create(id, attrs, true);
    if let Some((kind, name)) = object_name(id) {
        let mut alter = String::with_capacity(128);
        alter.push_str("ALTER ");
        alter.push_str(kind);
        alter.push(' ');
        alter.push_str(&name);
        alter.push_str(" SET");
        if push_ordered_properties(&mut alter, id, attrs, false) > 0 {
            out.push(alter);
        }
        if matches!(id, ResourceId::Schema { .. }) {
            match attrs.get(attr::MANAGED_ACCESS) {
                Some(Value::Bool(true)) => {
                    out.push(format!("ALTER SCHEMA {name} ENABLE MANAGED ACCESS"))
                }
                Some(Value::Bool(false)) => {
                    out.push(format!("ALTER SCHEMA {name} DISABLE MANAGED ACCESS"))
                }
                _ => {}
            }
        }
    }
    out
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
                ResourceId::Database {
                    name: ident("\"a\"\"b\""),
                },
                "CREATE DATABASE \"a\"\"b\"",
            ),
            (
                ResourceId::Schema {
                    database: ident("\"lower db\""),
                    name: ident("\"my.schema\""),
                },
                "CREATE SCHEMA \"lower db\".\"my.schema\"",
            ),
            (
                ResourceId::Schema {
                    database: ident("pudo_mlops"),
                    name: ident("\"TABLE\""),
                },
                "CREATE SCHEMA PUDO_MLOPS.\"TABLE\"",
            ),
            (
                ResourceId::Warehouse {
                    name: ident("\"wh; DROP\""),
                },
                "CREATE WAREHOUSE \"wh; DROP\"",
            ),
            (
                ResourceId::Role {
                    name: ident("\"role\"\"; --\""),
                },
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
        let id = ResourceId::Role { name: ident("R") };
        let hostile = "x'; DROP DATABASE PUDO_MLOPS; --\nnext \\ line";
        let sql = create(&id, &attrs(&[(attr::COMMENT, text(hostile))]), false);
        assert_eq!(
            sql,
            vec!["CREATE ROLE R COMMENT = 'x''; DROP DATABASE PUDO_MLOPS; --\\nnext \\\\ line'"]
        );
    }

    #[test]
    fn warehouse_create_update_and_unset() {
        let id = ResourceId::Warehouse {
            name: ident("PUDO_DEV_WH"),
        };
        let before = attrs(&[
            (attr::SIZE, text("XSMALL")),
            (attr::AUTO_SUSPEND, Value::Int(60)),
            (attr::AUTO_RESUME, Value::Bool(true)),
            (attr::INITIALLY_SUSPENDED, Value::Bool(true)),
            (attr::TYPE, text("SNOWPARK-OPTIMIZED")),
            (attr::COMMENT, text("old")),
        ]);
        assert_eq!(
            create(&id, &before, false),
            vec![
                "CREATE WAREHOUSE PUDO_DEV_WH WAREHOUSE_TYPE = 'SNOWPARK-OPTIMIZED' WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE COMMENT = 'old'"
            ]
        );
        let after = attrs(&[
            (attr::SIZE, text("SMALL")),
            (attr::AUTO_SUSPEND, Value::Int(300)),
            (attr::INITIALLY_SUSPENDED, Value::Bool(false)),
            (attr::TYPE, text("STANDARD")),
        ]);
        assert_eq!(
            update(&id, &before, &after),
            vec![
                "ALTER WAREHOUSE PUDO_DEV_WH SET WAREHOUSE_TYPE = STANDARD WAREHOUSE_SIZE = SMALL AUTO_SUSPEND = 300",
                "ALTER WAREHOUSE PUDO_DEV_WH UNSET AUTO_RESUME, COMMENT",
            ]
        );
        // Size no longer managed: no UNSET (Snowflake has none for it).
        let no_size = attrs(&[(attr::AUTO_SUSPEND, Value::Int(60))]);
        let with_size = attrs(&[
            (attr::SIZE, text("XSMALL")),
            (attr::AUTO_SUSPEND, Value::Int(60)),
        ]);
        assert!(update(&id, &with_size, &no_size).is_empty());
    }

    #[test]
    fn database_and_schema_clauses() {
        let id = ResourceId::Schema {
            database: ident("D"),
            name: ident("S"),
        };
        let a = attrs(&[
            (attr::TRANSIENT, Value::Bool(true)),
            (attr::MANAGED_ACCESS, Value::Bool(true)),
            (attr::DATA_RETENTION_TIME_IN_DAYS, Value::Int(1)),
            (attr::COMMENT, text("c")),
        ]);
        assert_eq!(
            create(&id, &a, false),
            vec![
                "CREATE TRANSIENT SCHEMA D.S WITH MANAGED ACCESS DATA_RETENTION_TIME_IN_DAYS = 1 COMMENT = 'c'"
            ]
        );
        let b = attrs(&[
            (attr::TRANSIENT, Value::Bool(true)),
            (attr::MANAGED_ACCESS, Value::Bool(false)),
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
        let id = ResourceId::Grant {
            role: ident("R"),
            on: GrantTarget::FutureInSchema {
                object_type: "TABLES".into(),
                database: ident("D"),
                schema: ident("\"s x\""),
            },
        };
        let list = |p: &[&str]| {
            attrs(&[(
                attr::PRIVILEGES,
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
        let member = ResourceId::RoleGrant {
            role: ident("R"),
            parent: ident("SYSADMIN"),
        };
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
