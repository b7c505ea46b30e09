//! `pudo schema`: the shipped `schema/*.schema.json` files are exactly what
//! the command prints (the independent validation of the fixtures against
//! them is `scripts/schema-check`).

use crate::support::{pudo_in, repo_root};

fn printed(args: &[&str]) -> String {
    // Outside any project: the schema needs none.
    let dir = tempfile::tempdir().unwrap();
    let output = pudo_in(dir.path()).args(args).output().unwrap();
    assert!(output.status.success(), "pudo {args:?} failed: {output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn check_shipped(file: &str, args: &[&str]) {
    let path = repo_root().join(file);
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    let command = format!("pudo {}", args.join(" "));
    assert!(
        shipped == printed(args),
        "{file} differs from `{command}`; regenerate it with\n    cargo run -q -- {} > {file}",
        args.join(" ")
    );
}

#[test]
fn the_shipped_schema_is_what_pudo_schema_prints() {
    check_shipped("schema/pudo.schema.json", &["schema"]);
}

#[test]
fn the_shipped_override_schema_is_what_pudo_schema_override_prints() {
    check_shipped(
        "schema/pudo.override.schema.json",
        &["schema", "--override"],
    );
}

#[test]
fn both_outputs_hold_both_documents() {
    let base: serde_json::Value = serde_json::from_str(&printed(&["schema"])).unwrap();
    let over: serde_json::Value =
        serde_json::from_str(&printed(&["schema", "--override"])).unwrap();
    assert_eq!(
        base["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(base["$ref"], "#/$defs/base");
    assert_eq!(over["$ref"], "#/$defs/override");
    assert_eq!(base["$defs"], over["$defs"]);
    let top = &base["$defs"]["base"]["properties"];
    for key in [
        "environments",
        "vars",
        "external",
        "databases",
        "warehouses",
        "roles",
    ] {
        assert!(top.get(key).is_some(), "no `{key}` in {top}");
    }
    assert!(
        over["$defs"]["override"]["properties"]
            .get("environments")
            .is_none()
    );
}
