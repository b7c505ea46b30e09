//! Project-level tests: load + resolve on the shipped example and on small
//! projects written to a temporary folder.

use super::*;
use crate::kinds;
use crate::model::{Ident, Value};

fn example_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn id(s: &str) -> Ident {
    Ident::parse(s).unwrap()
}

/// A project made of `(relative path, text)` files.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Project, Diagnostics>) {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let project = Project::load(dir.path());
    (dir, project)
}

const ENVS: &str = "environments:\n  DEV: { branches: [dev] }\n  PROD: { branches: [main] }\n";

#[test]
fn example_resolves_every_stack() {
    let project = Project::load(&example_root()).unwrap();
    assert!(project.warnings.is_empty(), "{}", project.warnings);
    let names: Vec<&str> = project
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["DEV", "STAGING", "PROD"]);
    assert!(project.environment("prod").unwrap().protected);

    let shared = project.resolve(&StackName::shared()).unwrap();
    let addresses: Vec<String> = shared.resources.keys().map(|k| k.address()).collect();
    assert_eq!(
        addresses,
        [
            "database.PUDO_MLOPS",
            "schema.PUDO_MLOPS.SHARED_DATA",
            "user.PUDO_CI",
            "user_grant.PUDO_CI.SECURITYADMIN",
            "user_grant.PUDO_CI.SYSADMIN",
            "resource_monitor.PUDO_PLATFORM_MONITOR"
        ]
    );

    for (env, size, suspend) in [
        ("DEV", "XSMALL", 60),
        ("STAGING", "SMALL", 300),
        ("PROD", "LARGE", 600),
    ] {
        let stack = StackName::for_environment(env);
        let model = project.resolve(&stack).unwrap();
        assert_eq!(model.environment.as_deref(), Some(env));
        let wh = &model.resources[&kinds::warehouse::id(id(&format!("PUDO_{env}_WH")))];
        assert_eq!(wh.attrs["size"], Value::Text(size.into()), "{env}");
        assert_eq!(wh.attrs["auto_suspend"], Value::Int(suspend), "{env}");
        assert_eq!(wh.stack, stack);
        // 3 schemas, warehouse, role, 8 grants, 1 role grant, 4 tasks, the
        // service user and its role.
        assert_eq!(model.owned_by(&stack).count(), 20, "{env}");
        assert_eq!(model.owned_by(&StackName::shared()).count(), 6, "{env}");
        let role = id(&format!("PUDO_{env}_ROLE"));
        let future = &model.resources[&kinds::grant::id(
            role.clone(),
            kinds::grant::future_in_schema("TABLES", id("PUDO_MLOPS"), id("SHARED_DATA")),
        )];
        assert_eq!(
            future.attrs["privileges"],
            Value::List(vec!["SELECT".into()])
        );
        assert!(
            model
                .resources
                .contains_key(&kinds::role_grant::id(role, id("SYSADMIN")))
        );
        // Every reference resolves to a declared or external object.
        for r in model.resources.values() {
            for target in r.id.references() {
                assert!(
                    model.resources.contains_key(&target) || model.external.contains(&target),
                    "{} -> {target}",
                    r.id
                );
            }
        }
    }
    let prod = project
        .resolve(&StackName::for_environment("PROD"))
        .unwrap();
    let wh = &prod.resources[&kinds::warehouse::id(id("PUDO_PROD_WH"))];
    assert_eq!(
        wh.attrs["comment"],
        Value::Text("PUDO PROD compute (production workloads)".into())
    );
    let origin = wh.origin.as_ref().unwrap();
    assert_eq!(origin.file, "environments/base.yaml");
    assert!(origin.line > 0);
}

#[test]
fn missing_override_is_an_empty_overlay() {
    let (_dir, project) = project(&[(
        "environments/base.yaml",
        &format!("{ENVS}warehouses:\n  W_${{env}}: {{ size: small }}\n"),
    )]);
    let project = project.unwrap();
    let model = project
        .resolve(&StackName::for_environment("PROD"))
        .unwrap();
    assert_eq!(model.resources.len(), 1);
}

#[test]
fn override_cannot_change_shared_objects() {
    let (_dir, project) = project(&[
        (
            "environments/base.yaml",
            &format!(
                "{ENVS}vars:\n  c: base\ndatabases:\n  DB:\n    shared: true\n    comment: \"${{var.c}}\"\n    schemas:\n      S: {{ shared: true }}\n      X_${{env}}: {{}}\n"
            ),
        ),
        (
            "environments/prod.override.yaml",
            "databases:\n  DB:\n    schemas:\n      S: null\n      ONLY_PROD: {}\n",
        ),
        ("environments/dev.override.yaml", "vars:\n  c: changed\n"),
    ]);
    let project = project.unwrap();
    let err = project
        .resolve(&StackName::for_environment("PROD"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("environments/prod.override.yaml:4: `databases.DB.schemas.S`: `schema.DB.S` is shared, so environments/prod.override.yaml cannot remove it"),
        "{err}"
    );
    let err = project
        .resolve(&StackName::for_environment("DEV"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("environments/dev.override.yaml:1: `vars`: `database.DB` is shared, so environments/dev.override.yaml cannot change it"),
        "{err}"
    );
}

#[test]
fn override_may_add_env_schemas_to_a_shared_database() {
    let (_dir, project) = project(&[
        (
            "environments/base.yaml",
            &format!(
                "{ENVS}databases:\n  DB:\n    shared: true\n    schemas:\n      S: {{ shared: true }}\n"
            ),
        ),
        (
            "environments/dev.override.yaml",
            "databases:\n  DB:\n    schemas:\n      SCRATCH: { transient: true }\n",
        ),
    ]);
    let model = project
        .unwrap()
        .resolve(&StackName::for_environment("DEV"))
        .unwrap();
    let scratch = &model.resources[&kinds::schema::id(id("DB"), id("SCRATCH"))];
    assert_eq!(scratch.stack.as_str(), "dev");
    assert_eq!(scratch.attrs["transient"], Value::Bool(true));
}

#[test]
fn load_reports_every_file_problem() {
    let (_dir, project) = project(&[
        (
            "environments/base.yaml",
            "environments:\n  DEV: { branches: [\"feature/[\"], protect: true }\n  shared: {}\n",
        ),
        ("environments/dev.override.yaml", "a: [1, 2\n"),
        ("environments/qa.override.yaml", "x: 1\n"),
    ]);
    let err = project.unwrap_err().to_string();
    for needle in [
        "environments/base.yaml:2: `environments.DEV.branches`: branch pattern `feature/[` is not a valid glob",
        "did you mean `protected`?",
        "`SHARED` is reserved",
        "environments/dev.override.yaml:2: YAML syntax error",
        "warning: environments/qa.override.yaml: `qa.override.yaml` is not read",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn near_miss_override_keys_warn_and_add() {
    let (_dir, project) = project(&[
        (
            "environments/base.yaml",
            &format!("{ENVS}warehouses:\n  PUDO_${{env}}_WH: {{ size: small }}\n"),
        ),
        (
            "environments/prod.override.yaml",
            "warehouses:\n  PUDO_PORD_WH: { size: large }\n",
        ),
    ]);
    let project = project.unwrap();
    let text = project.warnings.to_string();
    assert!(
        text.contains("warning: environments/prod.override.yaml:2: `warehouses.PUDO_PORD_WH`: `PUDO_PORD_WH` matches no resource in base.yaml, so it adds a new one\n  hint: did you mean `PUDO_PROD_WH`?"),
        "{text}"
    );
    let model = project
        .resolve(&StackName::for_environment("PROD"))
        .unwrap();
    assert_eq!(model.resources.len(), 2);
}

#[test]
fn component_render_and_diff() {
    let dir = example_root().join("config/training");
    let prod = render_component(&dir, "config/training", "PROD", None).unwrap();
    assert!(prod.yaml.contains("train_days: 365\n"), "{}", prod.yaml);
    assert!(prod.yaml.contains("learning_rate: 0.01\n"), "{}", prod.yaml);
    // `${env}` and the project's `${var.NAME}` expand as a task sees them;
    // without a project only `${env}`, and an unknown variable is an error.
    let tmp = tempfile::tempdir().unwrap();
    let component = tmp.path().join("config/job");
    std::fs::create_dir_all(&component).unwrap();
    std::fs::write(
        component.join("base.yaml"),
        "warehouse: PUDO_${env}_WH\nsuspend: ${var.auto_suspend}\n",
    )
    .unwrap();
    let project = Project::load(&example_root()).unwrap();
    let rendered = render_component(&component, "config/job", "PROD", Some(&project)).unwrap();
    assert_eq!(rendered.yaml, "warehouse: PUDO_PROD_WH\nsuspend: 600\n");
    let err = render_component(&component, "config/job", "PROD", None).unwrap_err();
    let text = err.errors().map(|d| d.to_string()).collect::<String>();
    assert!(
        text.contains("config/job/base.yaml:2") && text.contains("unknown variable `auto_suspend`"),
        "{text}"
    );
    let (changes, _) = diff_component(&dir, "config/training", "DEV", "PROD").unwrap();
    let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        ["train_days", "n_estimators", "learning_rate", "max_depth"]
    );
    assert_eq!(changes[0].before.as_deref(), Some("30"));
    assert_eq!(changes[0].after.as_deref(), Some("365"));
}

#[test]
fn render_environment_expands() {
    let project = Project::load(&example_root()).unwrap();
    let text = project.render_environment("dev").unwrap();
    assert!(text.contains("PUDO_DEV_WH:"), "{text}");
    assert!(text.contains("auto_suspend: 60\n"), "{text}");
    assert!(!text.contains("${"), "{text}");
}

/// Timing of a large project against the bare YAML parse (run with
/// `cargo test --release -p pudo --lib perf_large_project -- --ignored --nocapture`).
#[test]
#[ignore]
fn perf_large_project() {
    use std::fmt::Write;
    use std::time::Instant;
    let mut text = String::from(ENVS);
    text.push_str("vars:\n  size: XSMALL\ndatabases:\n");
    for d in 0..100 {
        writeln!(text, "  DB_{d}:\n    comment: database {d}\n    schemas:").unwrap();
        for s in 0..100 {
            writeln!(text, "      S_{s}_${{env}}: {{ comment: schema {s} }}").unwrap();
        }
    }
    text.push_str("warehouses:\n");
    for w in 0..5000 {
        writeln!(
            text,
            "  WH_{w}_${{env}}: {{ size: \"${{var.size}}\", auto_suspend: 60, auto_resume: true }}"
        )
        .unwrap();
    }
    text.push_str("roles:\n");
    for r in 0..5000 {
        let d = r % 100;
        writeln!(
            text,
            "  ROLE_{r}_${{env}}:\n    member_of: [SYSADMIN]\n    grants:\n      - {{ on: database DB_{d}, privileges: [USAGE] }}\n      - {{ on: \"schema DB_{d}.S_{}_${{env}}\", privileges: [USAGE, CREATE TABLE] }}\n      - {{ on: \"warehouse WH_{r}_${{env}}\", privileges: [USAGE] }}",
            r % 100
        )
        .unwrap();
    }
    let overlay = "vars:\n  size: LARGE\nwarehouses:\n  WH_1_PROD: { auto_suspend: 600 }\n";
    let (dir, _) = project(&[
        ("environments/base.yaml", &text),
        ("environments/prod.override.yaml", overlay),
    ]);
    let start = Instant::now();
    let _: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let parse = start.elapsed();
    let start = Instant::now();
    let project = Project::load(dir.path()).unwrap();
    let load = start.elapsed();
    let start = Instant::now();
    let model = project
        .resolve(&StackName::for_environment("PROD"))
        .unwrap();
    let resolve = start.elapsed();
    let overlay_node = &project.overlays["PROD"];
    let vars = merged_vars(&project.base, Some(overlay_node));
    let x = Expander::new(Some("PROD"), &vars);
    let start = Instant::now();
    let merged = Merger::project(x).merge(&project.base, overlay_node);
    let merge_time = start.elapsed();
    let start = Instant::now();
    let cloned = project.base.clone();
    let clone_time = start.elapsed();
    drop(cloned);
    let start = Instant::now();
    let _ = validate::build_model(
        &merged,
        &project.files,
        Some("PROD"),
        &vars,
        &validate::Settings::default(),
    )
    .unwrap();
    let build_time = start.elapsed();
    let start = Instant::now();
    let _ = validate::build_model(
        &project.base,
        &project.files,
        None,
        &vars,
        &validate::Settings::default(),
    )
    .unwrap();
    let shared_time = start.elapsed();
    eprintln!(
        "merge {merge_time:?} (clone {clone_time:?}), build {build_time:?}, shared {shared_time:?}"
    );
    eprintln!(
        "{} bytes, {} resources: serde_yaml parse {parse:?}, load {load:?}, resolve PROD {resolve:?}, ratio {:.2}",
        text.len(),
        model.resources.len(),
        (load + resolve).as_secs_f64() / parse.as_secs_f64()
    );
}
