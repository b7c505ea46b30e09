//! Unit tests of validation.

use super::*;
use crate::config::diagnostics::Diagnostics;
use crate::config::source::{Loaded, parse_bytes};

fn model(text: &str, env: Option<&str>) -> Result<Model, Diagnostics> {
    let mut d = Diagnostics::default();
    let doc = match parse_bytes(text.as_bytes(), 0, "base.yaml", &mut d) {
        Loaded::Doc(n) => n,
        Loaded::Failed => panic!("{d}"),
    };
    let mut files = Files::default();
    files.add("base.yaml".into());
    let vars = collect_vars(&doc);
    build_model(&doc, &files, env, &vars, &Settings::default())
}

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

const BASE: &str = "\
vars:
  size: x-small
databases:
  PUDO_MLOPS:
    shared: true
    schemas:
      SHARED_DATA: { shared: true }
      PUDO_${env}: { managed_access: true }
warehouses:
  PUDO_${env}_WH: { size: \"${var.size}\", auto_suspend: 60, auto_resume: true }
roles:
  PUDO_${env}_ROLE:
    member_of: [sysadmin]
    grants:
      - { on: database PUDO_MLOPS, privileges: [usage] }
      - { on: database pudo_mlops, privileges: [monitor, USAGE] }
      - { on: future tables in schema PUDO_MLOPS.SHARED_DATA, privileges: [select] }
";

#[test]
fn builds_canonical_resources_with_stacks() {
    let m = model(BASE, Some("DEV")).unwrap();
    let wh = &m.resources[&kinds::warehouse::id(id("PUDO_DEV_WH"))];
    assert_eq!(wh.attrs["size"], Value::Text("XSMALL".into()));
    assert_eq!(wh.attrs["auto_suspend"], Value::Int(60));
    assert_eq!(wh.stack.as_str(), "dev");
    let db = &m.resources[&kinds::database::id(id("PUDO_MLOPS"))];
    assert!(db.stack.is_shared());
    let grant =
        &m.resources[&kinds::grant::id(id("PUDO_DEV_ROLE"), kinds::database::id(id("PUDO_MLOPS")))];
    assert_eq!(
        grant.attrs["privileges"],
        Value::List(vec!["MONITOR".into(), "USAGE".into()])
    );
    assert!(
        m.resources
            .contains_key(&kinds::role_grant::id(id("PUDO_DEV_ROLE"), id("SYSADMIN")))
    );
    assert_eq!(m.owned_by(&StackName::shared()).count(), 2);
    assert_eq!(m.owned_by(&StackName::for_environment("DEV")).count(), 6);
    assert!(m.external.contains(&kinds::role::id(id("PUBLIC"))));
}

#[test]
fn shared_stack_has_only_shared_resources() {
    let m = model(BASE, None).unwrap();
    assert_eq!(m.resources.len(), 2);
    assert!(m.resources.values().all(|r| r.stack.is_shared()));
    assert_eq!(m.environment, None);
}

#[test]
fn collects_every_error() {
    let text = "\
warehouses:
  W: { size: HUGE, auto_suspend: -1, auto_resum: true }
roles:
  A: { member_of: [B] }
  B: { member_of: [A], grants: [{ on: warehouse NOPE, privileges: [USAGE] }] }
  C: { member_of: [C] }
  \"bad name\": {}
databases:
  D:
    schemas:
      S_${var.nope}: {}
";
    let err = model(text, Some("DEV")).unwrap_err().to_string();
    for needle in [
        "`HUGE` is not a warehouse size",
        "`auto_suspend` must be 0 or more, found -1",
        "did you mean `auto_resume`?",
        "cycle: `A` -> `B` -> `A`",
        "cycle: `C` -> `C`",
        "warehouse `NOPE` is not declared",
        "invalid identifier",
        "unknown variable `nope`",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn env_in_shared_resource_is_an_error() {
    let text = "databases:\n  DB_${env}: { shared: true }\n";
    let err = model(text, None).unwrap_err().to_string();
    assert!(
        err.contains("`${env}` cannot be used in a shared resource"),
        "{err}"
    );
}

#[test]
fn two_halves_give_what_one_pass_gives() {
    fn both(text: &str, env: Option<&str>) -> (String, String) {
        let mut d = Diagnostics::default();
        let Loaded::Doc(doc) = parse_bytes(text.as_bytes(), 0, "base.yaml", &mut d) else {
            panic!("{d}");
        };
        let mut files = Files::default();
        files.add("base.yaml".into());
        let vars = collect_vars(&doc);
        assert!(split_document(&doc).is_some(), "large enough to split");
        let show = |r: Result<Model, Diagnostics>| match r {
            Ok(m) => format!("{m:?}"),
            Err(d) => format!("{d}"),
        };
        (
            show(build_model_with(
                &doc,
                &files,
                env,
                &vars,
                &Settings::default(),
                true,
            )),
            show(build_model_with(
                &doc,
                &files,
                env,
                &vars,
                &Settings::default(),
                false,
            )),
        )
    }
    let mut text = String::from(
        "vars:\n  size: XSMALL\nexternal:\n  roles: [EXT_ROLE]\ndatabases:\n  DB:\n    schemas:\n",
    );
    for i in 0..300 {
        text.push_str(&format!("      S_{i}: {{ comment: \"s{i}\" }}\n"));
    }
    text.push_str("warehouses:\n");
    for i in 0..300 {
        text.push_str(&format!(
            "  WH_{i}_${{env}}: {{ size: \"${{var.size}}\" }}\n"
        ));
    }
    text.push_str("roles:\n");
    for i in 0..300 {
        text.push_str(&format!(
                "  R_{i}:\n    member_of: [{}, EXT_ROLE]\n    grants:\n      - {{ on: schema DB.S_{i}, privileges: [usage] }}\n      - {{ on: \"warehouse WH_{i}_${{env}}\", privileges: [usage] }}\n",
                if i < 299 {
                    format!("R_{}", i + 1)
                } else {
                    "SYSADMIN".to_string()
                }
            ));
    }
    // Valid, errors in both halves, a duplicate across the halves, a
    // membership cycle across the halves, shared resources.
    let cases = [
        text.clone(),
        text.replace("R_5:\n", "R_5:\n    colour: red\n")
            .replace("R_290:\n", "R_290:\n    colour: blue\n")
            .replace("schema DB.S_7,", "schema DB.NOPE,"),
        text.replace("      S_1: {", "      S_1: { bad: 1,")
            .replace("R_299:\n", "WH_1_DEV:\n"),
        format!("{text}  r_3:\n    comment: again\n"),
        text.replace("DB:\n", "DB:\n    shared: true\n"),
        text.replace("SYSADMIN, EXT_ROLE", "R_0, EXT_ROLE"),
    ];
    assert!(both(&cases[0], Some("DEV")).0.starts_with("Model"));
    assert!(both(&cases[4], None).0.starts_with("Model"));
    for (k, case) in cases.iter().enumerate() {
        for env in [Some("DEV"), None] {
            let (split, one) = both(case, env);
            assert_eq!(split, one, "case {k}, {env:?}");
        }
    }
}

#[test]
fn duplicates_after_expansion() {
    let text = "warehouses:\n  W_${env}: {}\n  w_dev: {}\n";
    let err = model(text, Some("DEV")).unwrap_err().to_string();
    assert!(
        err.contains("`warehouse.W_DEV` is declared twice in DEV"),
        "{err}"
    );
    assert!(model(text, Some("PROD")).is_ok());
}
