//! Promotion: the preview's factoring of the environment name, and
//! `pudo promote` (checks in the candidate and the baseline environment).

use crate::support::{TempProject, transcript};

fn run(project: &TempProject, args: &[&str]) -> String {
    let output = project.pudo().args(args).output().unwrap();
    transcript(&output, project.path())
}

/// Names that contain an environment's name literally, no `${env}`.
const LITERAL_NAMES: &str = r#"environments:
  DEV:  { branches: [dev] }
  PROD: { branches: [main], protected: true }
databases:
  ABRIGHT_PROD:
    comment: Reporting copy of PROD
    schemas:
      PROD_DATA: { comment: "PROD data, read in every environment" }
  PROD: { comment: The PROD database }
warehouses:
  PUDO_${env}_WH: { size: XSMALL, comment: "PUDO ${env} compute" }
"#;

#[test]
fn preview_factors_only_where_env_was_written() {
    let project = TempProject::example();
    project.write("environments/base.yaml", LITERAL_NAMES);
    for f in ["dev", "staging", "prod"] {
        let _ = std::fs::remove_file(
            project
                .path()
                .join(format!("environments/{f}.override.yaml")),
        );
    }
    insta::assert_snapshot!(run(&project, &["config", "diff", "environments", "DEV", "PROD"]), @r"
    exit: 0
    --- stdout
    promotion preview: DEV -> PROD (`<ENV>` stands for the environment's name)
    no differences: PROD gets exactly what DEV has
    --- stderr
    ");
    // A literal name written in one override is a real difference, shown as written.
    project.write(
        "environments/prod.override.yaml",
        "warehouses:\n  PUDO_PROD_WH: { comment: PUDO PROD compute (production) }\ndatabases:\n  PROD_ARCHIVE: { comment: Archive }\n",
    );
    insta::assert_snapshot!(run(&project, &["config", "diff", "environments", "DEV", "PROD"]), @r#"
    exit: 0
    --- stdout
    promotion preview: DEV -> PROD (`<ENV>` stands for the environment's name)
    + database.PROD_ARCHIVE  (only in PROD)
        + comment: "Archive"
        + owner: "SYSADMIN"
    ~ warehouse.PUDO_<ENV>_WH
        ~ comment: "PUDO <ENV> compute" -> "PUDO PROD compute (production)"
    1 only in PROD, 1 different, 0 only in DEV; 3 the same
    --- stderr
    "#);
}
