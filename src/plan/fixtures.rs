//! A hand-built model in the example's shape, for unit tests of the diff
//! and the renderers.

#![allow(dead_code)]

use crate::model::{
    Attrs, GrantTarget, Ident, Model, Resource, ResourceId, StackName, Value, attr,
};
use crate::state::State;

pub fn ident(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}
pub fn text(s: &str) -> Value {
    Value::Text(s.into())
}
pub fn attrs(pairs: &[(&str, Value)]) -> Attrs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}
pub fn privs(p: &[&str]) -> Attrs {
    attrs(&[(
        attr::PRIVILEGES,
        Value::List(p.iter().map(|s| s.to_string()).collect()),
    )])
}
pub fn db(n: &str) -> ResourceId {
    ResourceId::Database { name: ident(n) }
}
pub fn schema(d: &str, n: &str) -> ResourceId {
    ResourceId::Schema {
        database: ident(d),
        name: ident(n),
    }
}
pub fn wh(n: &str) -> ResourceId {
    ResourceId::Warehouse { name: ident(n) }
}
pub fn role(n: &str) -> ResourceId {
    ResourceId::Role { name: ident(n) }
}
pub fn grant(r: &str, on: GrantTarget) -> ResourceId {
    ResourceId::Grant { role: ident(r), on }
}
pub fn on_schema(d: &str, s: &str) -> GrantTarget {
    GrantTarget::Schema {
        database: ident(d),
        name: ident(s),
    }
}

pub fn dev() -> StackName {
    StackName::for_environment("DEV")
}

/// The example's shape: a shared database and schema, and DEV's own.
pub fn model() -> Model {
    let mut m = Model {
        environment: Some("DEV".into()),
        ..Model::default()
    };
    let mut add = |id: ResourceId, stack: StackName, a: Attrs| {
        m.resources.insert(
            id.clone(),
            Resource {
                id,
                stack,
                attrs: a,
                origin: None,
            },
        );
    };
    add(
        db("PUDO_MLOPS"),
        StackName::shared(),
        attrs(&[(attr::COMMENT, text("mlops"))]),
    );
    add(
        schema("PUDO_MLOPS", "SHARED_DATA"),
        StackName::shared(),
        Attrs::new(),
    );
    add(
        schema("PUDO_MLOPS", "PUDO_DEV"),
        dev(),
        attrs(&[(attr::TRANSIENT, Value::Bool(false))]),
    );
    add(
        schema("PUDO_MLOPS", "FEATURE_STORE_DEV"),
        dev(),
        attrs(&[(attr::COMMENT, text("features"))]),
    );
    add(
        wh("PUDO_DEV_WH"),
        dev(),
        attrs(&[
            (attr::SIZE, text("XSMALL")),
            (attr::AUTO_SUSPEND, Value::Int(60)),
            (attr::INITIALLY_SUSPENDED, Value::Bool(true)),
        ]),
    );
    add(role("PUDO_DEV_ROLE"), dev(), Attrs::new());
    add(
        grant("PUDO_DEV_ROLE", on_schema("PUDO_MLOPS", "PUDO_DEV")),
        dev(),
        privs(&["CREATE TABLE", "USAGE"]),
    );
    add(
        grant("PUDO_DEV_ROLE", on_schema("PUDO_MLOPS", "SHARED_DATA")),
        dev(),
        privs(&["USAGE"]),
    );
    add(
        grant(
            "PUDO_DEV_ROLE",
            GrantTarget::Warehouse {
                name: ident("PUDO_DEV_WH"),
            },
        ),
        dev(),
        privs(&["USAGE"]),
    );
    add(
        ResourceId::RoleGrant {
            role: ident("PUDO_DEV_ROLE"),
            parent: ident("SYSADMIN"),
        },
        dev(),
        Attrs::new(),
    );
    m
}

/// The state an apply of `model`'s `stack` would leave.
pub fn applied(model: &Model, stack: &StackName) -> State {
    let mut state = State::empty(stack);
    for r in model.owned_by(stack) {
        state.upsert(r.id.clone(), r.attrs.clone());
    }
    state.serial = 3;
    state.lineage = "00000000-0000-4000-8000-000000000000".into();
    state
}
