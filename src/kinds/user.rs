//! `users:` — `CREATE USER`, read with `SHOW USERS` (one statement, paged
//! past 10,000 rows, whatever the number of users).
//!
//! Passwords are never configured: pudo neither sets nor reads them (a
//! `password` key is refused; people sign in through SSO, services with a
//! key pair). The public keys (`rsa_public_key`, `rsa_public_key_2`) are
//! written but not read back: SHOW USERS only says `has_rsa_public_key`,
//! and their fingerprints are in `DESCRIBE USER`, one statement per user.
//! Drift therefore does not compare them; the plan compares them with the
//! state. A user's roles (`roles:`) are the [`super::user_grant`] kind.
//!
//! `DEFAULT_SECONDARY_ROLES` is written `('ALL')` or `()`, which the
//! generic property writer cannot express: the kind's SQL adds it.

use super::{
    Absorb, AttrSpec, AttrSql, AttrType, COMMENT, Change, DriftForm, EntryProblem, Kind, LiveCol,
    LiveSpec, Naming, Paging, Query, Refused, Rules, Section, Show, Sql, SqlHooks, never,
    object_create, object_drop, object_ensure, object_update, role, warehouse,
};
use crate::model::{Attrs, Ident, KindMeta, ResourceId, Value, canonical};

pub static META: KindMeta = KindMeta::account_object("user", 10, "USER");

/// `user.NAME`.
pub fn id(name: Ident) -> ResourceId {
    ResourceId::named(&META, [name])
}

/// User types: `PERSON`, `SERVICE`, `LEGACY_SERVICE`.
pub fn user_type(written: &str) -> Option<&'static str> {
    match written
        .trim()
        .to_ascii_uppercase()
        .replace(' ', "_")
        .as_str()
    {
        "PERSON" => Some("PERSON"),
        "SERVICE" => Some("SERVICE"),
        "LEGACY_SERVICE" => Some("LEGACY_SERVICE"),
        _ => None,
    }
}

/// Default secondary roles: `ALL` (every granted role, Snowflake's default
/// for new users) or `NONE`.
pub fn secondary_roles(written: &str) -> Option<&'static str> {
    match written.trim().to_ascii_uppercase().as_str() {
        "ALL" | "('ALL')" | "[\"ALL\"]" => Some("ALL"),
        "NONE" | "()" | "[]" => Some("NONE"),
        _ => None,
    }
}

const fn text(name: &'static str, keyword: &'static str, doc: &'static str) -> AttrSpec {
    AttrSpec {
        name,
        ty: AttrType::Text,
        sql: AttrSql::Property(keyword),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column(name, |t| t.map(|t| Value::Text(t.to_string()))),
        doc,
    }
}

/// A name SHOW prints bare (`PUDO_DEV_WH`), in the SQL form references use.
fn live_name(text: Option<&str>) -> Option<Value> {
    text.filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("null"))
        .map(|t| Value::Text(Ident::from_canonical(t).sql()))
}

const fn rsa_key(name: &'static str, keyword: &'static str) -> AttrSpec {
    AttrSpec {
        live: LiveCol::Unreadable,
        ..text(
            name,
            keyword,
            "A public key for key-pair authentication (PEM, with or without its BEGIN / END lines); not read back by drift.",
        )
    }
}

const ATTRS: &[AttrSpec] = &[
    AttrSpec {
        name: "type",
        ty: AttrType::Keyword {
            canon: user_type,
            what: "user type",
            valid: || "PERSON, SERVICE, LEGACY_SERVICE".into(),
            spellings: || vec!["PERSON", "SERVICE", "LEGACY_SERVICE"],
        },
        sql: AttrSql::Property("TYPE"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("type", |t| {
            t.and_then(user_type).map(|v| Value::Text(v.into()))
        }),
        doc: "PERSON (signs in through SSO), SERVICE (a program, key pair only) or LEGACY_SERVICE.",
    },
    text(
        "login_name",
        "LOGIN_NAME",
        "The name to sign in with; Snowflake stores it in upper case (so does pudo).",
    ),
    text("display_name", "DISPLAY_NAME", "Name shown in Snowsight."),
    text("first_name", "FIRST_NAME", "Not for SERVICE users."),
    text("last_name", "LAST_NAME", "Not for SERVICE users."),
    text("email", "EMAIL", "E-mail address."),
    COMMENT,
    AttrSpec {
        name: "disabled",
        ty: AttrType::Bool,
        sql: AttrSql::Property("DISABLED"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("disabled", |t| {
            t.and_then(canonical::show_bool).map(Value::Bool)
        }),
        doc: "Disabled users cannot sign in; their running queries are aborted.",
    },
    AttrSpec {
        name: "default_role",
        ty: AttrType::Ref(&role::META),
        sql: AttrSql::Property("DEFAULT_ROLE"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("default_role", live_name),
        doc: "The role a session starts in: declared, a system role, or listed under `external`.",
    },
    AttrSpec {
        name: "default_warehouse",
        ty: AttrType::Ref(&warehouse::META),
        sql: AttrSql::Property("DEFAULT_WAREHOUSE"),
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("default_warehouse", live_name),
        doc: "The warehouse a session starts with: declared or listed under `external`.",
    },
    text(
        "default_namespace",
        "DEFAULT_NAMESPACE",
        "The database (`DB`) or schema (`DB.SCHEMA`) a session starts in, as SHOW USERS prints it.",
    ),
    AttrSpec {
        name: "default_secondary_roles",
        ty: AttrType::Keyword {
            canon: secondary_roles,
            what: "default secondary roles setting",
            valid: || "ALL, NONE".into(),
            spellings: || vec!["ALL", "NONE"],
        },
        sql: AttrSql::None,
        change: Change::InPlace,
        unset: true,
        live: LiveCol::Column("default_secondary_roles", |t| {
            t.and_then(secondary_roles).map(|v| Value::Text(v.into()))
        }),
        doc: "ALL (every role granted to the user is active; Snowflake's default) or NONE.",
    },
    rsa_key("rsa_public_key", "RSA_PUBLIC_KEY"),
    rsa_key("rsa_public_key_2", "RSA_PUBLIC_KEY_2"),
];

/// `DEFAULT_SECONDARY_ROLES = ('ALL')` / `()`.
fn secondary_roles_sql(value: &Value) -> &'static str {
    match value {
        Value::Text(t) if t == "NONE" => "DEFAULT_SECONDARY_ROLES = ()",
        _ => "DEFAULT_SECONDARY_ROLES = ('ALL')",
    }
}

const SECONDARY: &str = "default_secondary_roles";

fn alter_secondary(id: &ResourceId, value: Option<&Value>) -> String {
    match value {
        Some(v) => format!(
            "ALTER USER {} SET {}",
            id.qualified_name(),
            secondary_roles_sql(v)
        ),
        None => format!(
            "ALTER USER {} UNSET DEFAULT_SECONDARY_ROLES",
            id.qualified_name()
        ),
    }
}

static SQL: SqlHooks = SqlHooks {
    create: |id, attrs| {
        let mut sql = object_create(&KIND, id, attrs, false);
        if let Some(v) = attrs.get(SECONDARY) {
            sql.push(' ');
            sql.push_str(secondary_roles_sql(v));
        }
        vec![sql]
    },
    ensure: Some(|id, attrs| {
        let mut out = object_ensure(&KIND, id, attrs);
        if let Some(v) = attrs.get(SECONDARY) {
            out[0].push(' ');
            out[0].push_str(secondary_roles_sql(v));
            out.push(alter_secondary(id, Some(v)));
        }
        out
    }),
    drop: |id, _| vec![object_drop(&KIND, id, false)],
    update: |id, before, after| {
        let mut out = object_update(&KIND, id, before, after);
        let (b, a) = (before.get(SECONDARY), after.get(SECONDARY));
        if b != a {
            out.push(alter_secondary(id, a));
        }
        out
    },
};

/// Key PEM text reduced to its base64 body (what Snowflake takes).
pub fn key_body(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.split_whitespace())
        .collect()
}

/// Canonical forms across attributes, and what Snowflake refuses.
fn entry_check(_: &Ident, attrs: &mut Attrs) -> Option<EntryProblem> {
    if let Some(Value::Text(login)) = attrs.get_mut("login_name") {
        *login = login.to_uppercase();
    }
    for key in ["rsa_public_key", "rsa_public_key_2"] {
        if let Some(Value::Text(k)) = attrs.get_mut(key) {
            *k = key_body(k);
        }
    }
    if attrs.get("type") == Some(&Value::Text("SERVICE".into())) {
        for key in ["first_name", "last_name"] {
            if attrs.contains_key(key) {
                return Some(EntryProblem {
                    key: Some(key),
                    message: format!("a SERVICE user has no `{key}`"),
                    hint: "Snowflake refuses names of people on service users: remove it, or use `type: PERSON`".into(),
                });
            }
        }
    }
    None
}

pub static SHOW: Show = Show {
    rank: 10,
    sql: |_| "SHOW USERS".into(),
    paging: Paging::Limit,
    per_object: false,
    absorb: Absorb::Objects(&KIND),
};

pub static KIND: Kind = Kind {
    admin_role: Some("USERADMIN"),
    create_as_owner: false,
    meta: &META,
    section: Section::Top("users"),
    children: &["roles"],
    external: None,
    attrs: ATTRS,
    sql_order: &[
        "type",
        "login_name",
        "display_name",
        "first_name",
        "last_name",
        "email",
        "disabled",
        "default_warehouse",
        "default_namespace",
        "default_role",
        "rsa_public_key",
        "rsa_public_key_2",
        "comment",
    ],
    check: None,
    sql: Sql::Custom(&SQL),
    dropped_with: never,
    live: LiveSpec {
        queries: |_, _, out| {
            out.insert(Query::new(&SHOW, []));
        },
        list: Some(&SHOW),
    },
    drift: DriftForm::Object,
    naming: Naming::Account {
        system: &["SNOWFLAKE"],
        container: false,
    },
    // A user carries its roles.
    parse_weight: 2,
    rules: Rules {
        entry_check: Some(entry_check),
        refused: &[Refused {
            key: "password",
            message: "pudo does not manage passwords: they never belong in a configuration",
            hint: "people sign in through SSO (`type: PERSON`), programs with a key pair (`type: SERVICE` and `rsa_public_key`); set a password by hand if one is really needed",
        }],
        ..Rules::NONE
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{self, Step};

    fn ident(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn create_update_and_drop() {
        let u = id(ident("\"svc user\""));
        let a = attrs(&[
            ("type", t("SERVICE")),
            ("login_name", t("SVC")),
            ("default_role", t("PUDO_DEV_ROLE")),
            ("default_warehouse", t("\"wh x\"")),
            ("default_secondary_roles", t("NONE")),
            ("rsa_public_key", t("MIIB")),
            ("comment", t("it's")),
            ("disabled", Value::Bool(false)),
        ]);
        assert_eq!(
            sql::plain(Step::Create, &u, None, Some(&a)),
            [
                "CREATE USER \"svc user\" TYPE = SERVICE LOGIN_NAME = 'SVC' DISABLED = FALSE DEFAULT_WAREHOUSE = \"wh x\" DEFAULT_ROLE = PUDO_DEV_ROLE RSA_PUBLIC_KEY = 'MIIB' COMMENT = 'it''s' DEFAULT_SECONDARY_ROLES = ()"
            ]
        );
        let mut b = a.clone();
        b.insert("default_secondary_roles".into(), t("ALL"));
        b.remove("comment");
        b.insert("rsa_public_key".into(), t("MIIC"));
        assert_eq!(
            sql::plain(Step::Update, &u, Some(&a), Some(&b)),
            [
                "ALTER USER \"svc user\" SET RSA_PUBLIC_KEY = 'MIIC'",
                "ALTER USER \"svc user\" UNSET COMMENT",
                "ALTER USER \"svc user\" SET DEFAULT_SECONDARY_ROLES = ('ALL')",
            ]
        );
        assert_eq!(
            sql::recovery(Step::Drop, &u, Some(&a), None),
            ["DROP USER IF EXISTS \"svc user\""]
        );
        let ensure = sql::recovery(Step::Create, &u, None, Some(&a));
        assert!(ensure[0].starts_with("CREATE USER IF NOT EXISTS \"svc user\" TYPE = SERVICE"));
        assert_eq!(
            ensure.last().unwrap(),
            "ALTER USER \"svc user\" SET DEFAULT_SECONDARY_ROLES = ()"
        );
    }

    #[test]
    fn canonical_forms_and_refusals() {
        let mut a = attrs(&[
            ("login_name", t("jane@example.com")),
            (
                "rsa_public_key",
                t("-----BEGIN PUBLIC KEY-----\nMIIB\nIjAN \n-----END PUBLIC KEY-----\n"),
            ),
        ]);
        assert!(entry_check(&ident("JANE"), &mut a).is_none());
        assert_eq!(a["login_name"], t("JANE@EXAMPLE.COM"));
        assert_eq!(a["rsa_public_key"], t("MIIBIjAN"));
        let mut svc = attrs(&[("type", t("SERVICE")), ("first_name", t("Bot"))]);
        assert_eq!(
            entry_check(&ident("BOT"), &mut svc).and_then(|p| p.key),
            Some("first_name")
        );
        assert_eq!(secondary_roles("[\"ALL\"]"), Some("ALL"));
        assert_eq!(secondary_roles("[]"), Some("NONE"));
        assert_eq!(user_type("legacy_service"), Some("LEGACY_SERVICE"));
    }
}
