//! The generic half of object kinds: statements built from a kind's
//! attribute specs ([`Sql::Object`](super::Sql::Object)) and SHOW rows read
//! through its [`LiveCol`]s ([`Absorb::Objects`](super::Absorb::Objects)).

use super::{AttrSql, AttrType, Change, Kind, LiveCol, Sink};
use crate::connector::Rows;
use crate::model::quote::push_literal;
use crate::model::{Attrs, Ident, Part, ResourceId, Value};
use std::fmt::Write;

/// Whether a text value is written bare (a keyword such as `XSMALL`).
fn is_keyword(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `KEYWORD = value` of attribute `name`; false when it is not a property.
fn push_property(out: &mut String, kind: &Kind, name: &str, value: &Value) -> bool {
    let Some(spec) = kind.attr(name) else {
        return false;
    };
    let AttrSql::Property(keyword) = spec.sql else {
        return false;
    };
    out.push_str(keyword);
    out.push_str(" = ");
    match (&spec.ty, value) {
        (AttrType::Keyword { .. }, Value::Text(t)) if is_keyword(t) => out.push_str(t),
        // An object's name, already in SQL form.
        (AttrType::Ref(_), Value::Text(t)) => out.push_str(t),
        (_, Value::Text(t)) => push_literal(out, t),
        (_, Value::Bool(b)) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        (_, Value::Int(i)) => {
            let _ = write!(out, "{i}");
        }
        (_, Value::List(items)) => push_literal(out, &items.join(",")),
    }
    true
}

/// ` KEY = value` for each managed property, in the kind's SQL order.
fn push_properties(out: &mut String, kind: &Kind, attrs: &Attrs, create_only: bool) -> usize {
    let mut written = 0;
    for name in kind.sql_order {
        let skip = kind
            .attr(name)
            .is_some_and(|a| a.change == Change::CreateOnly);
        if skip && !create_only {
            continue;
        }
        let Some(value) = attrs.get(*name) else {
            continue;
        };
        let mark = out.len();
        out.push(' ');
        if push_property(out, kind, name, value) {
            written += 1;
        } else {
            out.truncate(mark);
        }
    }
    written
}

fn keyword(kind: &Kind) -> &'static str {
    kind.meta
        .keyword
        .unwrap_or_else(|| panic!("object kind `{}` has a SQL keyword", kind.name()))
}

/// `CREATE [TRANSIENT] KEYWORD [IF NOT EXISTS] name [WITH ...] props`.
pub fn object_create(kind: &Kind, id: &ResourceId, attrs: &Attrs, if_not_exists: bool) -> String {
    let mut sql = String::with_capacity(128);
    sql.push_str("CREATE ");
    for spec in kind.attrs {
        if let AttrSql::CreateFlag(word) = spec.sql
            && attrs.get(spec.name) == Some(&Value::Bool(true))
        {
            sql.push_str(word);
            sql.push(' ');
        }
    }
    sql.push_str(keyword(kind));
    if if_not_exists {
        sql.push_str(" IF NOT EXISTS");
    }
    sql.push(' ');
    id.push_qualified_name(&mut sql);
    for spec in kind.attrs {
        if let AttrSql::Switch { create, .. } = spec.sql
            && attrs.get(spec.name) == Some(&Value::Bool(true))
        {
            sql.push(' ');
            sql.push_str(create);
        }
    }
    push_properties(&mut sql, kind, attrs, true);
    sql
}

/// `DROP KEYWORD [IF EXISTS] name`.
pub fn object_drop(kind: &Kind, id: &ResourceId, if_exists: bool) -> String {
    let ie = if if_exists { " IF EXISTS" } else { "" };
    format!("DROP {}{ie} {}", keyword(kind), id.qualified_name())
}

/// `ALTER ... SET` of what changed, switches, then `UNSET` of what is no
/// longer managed (where Snowflake can unset it).
pub fn object_update(kind: &Kind, id: &ResourceId, before: &Attrs, after: &Attrs) -> Vec<String> {
    let kw = keyword(kind);
    let name = id.qualified_name();
    let mut out = Vec::new();
    let mut set = Vec::new();
    let mut unset = Vec::new();
    for prop in kind.sql_order {
        let Some(spec) = kind.attr(prop) else {
            continue;
        };
        if spec.change == Change::CreateOnly {
            continue;
        }
        match (before.get(*prop), after.get(*prop)) {
            (b, Some(a)) if b != Some(a) => {
                let mut one = String::new();
                if push_property(&mut one, kind, prop, a) {
                    set.push(one);
                }
            }
            (Some(_), None) if spec.unset => {
                if let AttrSql::Property(k) = spec.sql {
                    unset.push(k);
                }
            }
            _ => {}
        }
    }
    for spec in kind.attrs {
        if let AttrSql::Switch {
            enable, disable, ..
        } = spec.sql
        {
            let on = Value::Bool(true);
            match (before.get(spec.name), after.get(spec.name)) {
                (b, Some(Value::Bool(true))) if b != Some(&on) => {
                    out.push(format!("ALTER {kw} {name} {enable}"));
                }
                (Some(Value::Bool(true)), Some(Value::Bool(false))) => {
                    out.push(format!("ALTER {kw} {name} {disable}"));
                }
                _ => {}
            }
        }
    }
    if !set.is_empty() {
        out.insert(0, format!("ALTER {kw} {name} SET {}", set.join(" ")));
    }
    if !unset.is_empty() {
        out.push(format!("ALTER {kw} {name} UNSET {}", unset.join(", ")));
    }
    out
}

/// The idempotent form of a create: `CREATE ... IF NOT EXISTS`, then `ALTER
/// ... SET` of every managed property and the switches as declared.
pub fn object_ensure(kind: &Kind, id: &ResourceId, attrs: &Attrs) -> Vec<String> {
    let kw = keyword(kind);
    let name = id.qualified_name();
    let mut out = vec![object_create(kind, id, attrs, true)];
    let mut alter = String::with_capacity(128);
    alter.push_str("ALTER ");
    alter.push_str(kw);
    alter.push(' ');
    alter.push_str(&name);
    alter.push_str(" SET");
    if push_properties(&mut alter, kind, attrs, false) > 0 {
        out.push(alter);
    }
    for spec in kind.attrs {
        if let AttrSql::Switch {
            enable, disable, ..
        } = spec.sql
        {
            match attrs.get(spec.name) {
                Some(Value::Bool(true)) => out.push(format!("ALTER {kw} {name} {enable}")),
                Some(Value::Bool(false)) => out.push(format!("ALTER {kw} {name} {disable}")),
                _ => {}
            }
        }
    }
    out
}

/// SHOW columns naming an object's containers, outermost first.
const CONTAINER_COLUMNS: &[&str] = &["database_name", "schema_name"];

/// One object of `kind` per row: its containers from the row (else the
/// query's scope), its name from `name`, its attributes from the kind's
/// live columns.
pub fn object_absorb(kind: &'static Kind, scope: &[Ident], rows: &Rows, sink: &mut Sink<'_>) {
    let containers = kind.meta.fields.len().saturating_sub(1);
    for row in rows.iter() {
        let Some(name) = row.get("name") else {
            continue;
        };
        let mut parts = Vec::with_capacity(containers + 1);
        for i in 0..containers {
            let from_row = CONTAINER_COLUMNS
                .get(i)
                .and_then(|c| row.get(c))
                .map(Ident::from_canonical);
            match from_row.or_else(|| scope.get(i).cloned()) {
                Some(c) => parts.push(Part::Name(c)),
                None => break,
            }
        }
        if parts.len() != containers {
            continue;
        }
        parts.push(Part::Name(Ident::from_canonical(name)));
        let id = ResourceId::new(kind.meta, parts);
        let mut attrs = Attrs::new();
        for spec in kind.attrs {
            if let LiveCol::Column(column, read) = spec.live
                && let Some(value) = read(row.get(column))
            {
                attrs.insert(spec.name.to_string(), value);
            }
        }
        (sink.listed)(id.clone());
        (sink.keep)(id, attrs);
    }
}
