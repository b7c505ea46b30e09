//! A hand-built model in the example's shape, for unit tests of the diff
//! and the renderers.

#![allow(dead_code)]

use crate::kinds;
use crate::model::{Attrs, Ident, Model, Resource, ResourceId, StackName, Value};
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
        "privileges",
        Value::List(p.iter().map(|s| s.to_string()).collect()),
    )])
}
pub fn db(n: &str) -> ResourceId {
    kinds::database::id(ident(n))
}
pub fn schema(d: &str, n: &str) -> ResourceId {
    kinds::schema::id(ident(d), ident(n))
}
pub fn wh(n: &str) -> ResourceId {
    kinds::warehouse::id(ident(n))
}
pub fn role(n: &str) -> ResourceId {
    kinds::role::id(ident(n))
}
pub fn grant(r: &str, on: ResourceId) -> ResourceId {
    kinds::grant::id(ident(r), on)
}
pub fn on_schema(d: &str, s: &str) -> ResourceId {
    schema(d, s)
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
        attrs(&[("comment", text("mlops"))]),
    );
    add(
        schema("PUDO_MLOPS", "SHARED_DATA"),
        StackName::shared(),
        Attrs::new(),
    );
    add(
        schema("PUDO_MLOPS", "PUDO_DEV"),
        dev(),
        attrs(&[("transient", Value::Bool(false))]),
    );
    add(
        schema("PUDO_MLOPS", "FEATURE_STORE_DEV"),
        dev(),
        attrs(&[("comment", text("features"))]),
    );
    add(
        wh("PUDO_DEV_WH"),
        dev(),
        attrs(&[
            ("size", text("XSMALL")),
            ("auto_suspend", Value::Int(60)),
            ("initially_suspended", Value::Bool(true)),
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
        grant("PUDO_DEV_ROLE", wh("PUDO_DEV_WH")),
        dev(),
        privs(&["USAGE"]),
    );
    add(
        kinds::role_grant::id(ident("PUDO_DEV_ROLE"), ident("SYSADMIN")),
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
