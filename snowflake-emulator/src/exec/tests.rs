//! Unit tests of the executor that need many statements in one catalog.

use super::*;

#[test]
fn like_patterns() {
    assert!(like("my_db", "MYXDB"));
    assert!(like("%db%", "MY_DB_1"));
    assert!(!like("my\\_db", "MYXDB"));
    assert!(like("my\\_db", "MY_DB"));
    assert!(like("%\\_\\_T\\_ROLE", "A__T_ROLE"));
    assert!(!like("%\\_\\_T\\_ROLE", "A_XT_ROLE"));
    assert!(like("", ""));
    assert!(!like("a", ""));
}

fn run(cat: &mut Catalog, sess: &mut Session, sql: &str) -> Result<QueryResult, SfError> {
    let account = Account {
        name: "ACCT".into(),
        edition: "STANDARD".into(),
    };
    Exec {
        cat,
        sess,
        account: &account,
    }
    .run(crate::parser::parse(sql)?)
    .map(|o| o.result)
}

fn session() -> Session {
    Session {
        id: 1,
        user: "ADMIN".into(),
        role: "ACCOUNTADMIN".into(),
        secondary_all: true,
        warehouse: None,
        database: None,
        schema: None,
        params: Params::new(),
    }
}

#[test]
fn ten_thousand_row_limits() {
    let mut cat = Catalog::new_account("ADMIN");
    let mut sess = session();
    for i in 0..10_001 {
        run(&mut cat, &mut sess, &format!("CREATE DATABASE D{i:05}")).unwrap();
        run(&mut cat, &mut sess, &format!("CREATE WAREHOUSE W{i:05}")).unwrap();
    }
    // Databases: an error without LIMIT, LIMIT capped at 10000, paging with FROM.
    assert_eq!(
        run(&mut cat, &mut sess, "SHOW DATABASES").unwrap_err().code,
        "000903"
    );
    assert_eq!(
        run(&mut cat, &mut sess, "SHOW DATABASES LIMIT 10000")
            .unwrap()
            .rows
            .len(),
        10_000
    );
    // (SNOWFLAKE, which every account has, sorts after them.)
    let last = run(
        &mut cat,
        &mut sess,
        "SHOW DATABASES STARTS WITH 'D' LIMIT 10 FROM 'D09999'",
    )
    .unwrap();
    assert_eq!(last.rows.len(), 1);
    assert_eq!(
        run(&mut cat, &mut sess, "SHOW DATABASES LIKE 'D0000_'")
            .unwrap()
            .rows
            .len(),
        10
    );
    // Warehouses: silently truncated.
    assert_eq!(
        run(&mut cat, &mut sess, "SHOW WAREHOUSES")
            .unwrap()
            .rows
            .len(),
        10_000
    );
}

#[test]
fn role_drop_takes_its_grants() {
    let mut cat = Catalog::new_account("ADMIN");
    let mut sess = session();
    for sql in [
        "CREATE DATABASE D",
        "CREATE ROLE R",
        "GRANT USAGE ON DATABASE D TO ROLE R",
        "GRANT ROLE R TO ROLE SYSADMIN",
        "DROP ROLE R",
    ] {
        run(&mut cat, &mut sess, sql).unwrap();
    }
    assert!(cat.grants.is_empty());
    assert_eq!(cat.role_grants.len(), 4);
}

/// The `level` column of monitor `name` in SHOW RESOURCE MONITORS.
fn monitor_level(cat: &mut Catalog, sess: &mut Session, name: &str) -> Option<String> {
    let r = run(cat, sess, "SHOW RESOURCE MONITORS").unwrap();
    let col = |c: &str| r.columns.iter().position(|x| x.name == c).unwrap();
    let row = r
        .rows
        .iter()
        .find(|row| row[col("name")].as_deref() == Some(name))
        .unwrap();
    row[col("level")].clone()
}

#[test]
fn the_account_has_one_resource_monitor() {
    let mut cat = Catalog::new_account("ADMIN");
    let mut sess = session();
    for sql in [
        "CREATE RESOURCE MONITOR A WITH CREDIT_QUOTA = 10",
        "CREATE RESOURCE MONITOR B WITH CREDIT_QUOTA = 20",
        "CREATE WAREHOUSE W RESOURCE_MONITOR = B",
    ] {
        run(&mut cat, &mut sess, sql).unwrap();
    }
    let level = |cat: &mut Catalog, sess: &mut Session| {
        [monitor_level(cat, sess, "A"), monitor_level(cat, sess, "B")]
    };
    assert_eq!(level(&mut cat, &mut sess), [None, Some("WAREHOUSE".into())]);
    run(
        &mut cat,
        &mut sess,
        "ALTER ACCOUNT SET RESOURCE_MONITOR = a",
    )
    .unwrap();
    assert_eq!(
        level(&mut cat, &mut sess),
        [Some("ACCOUNT".into()), Some("WAREHOUSE".into())]
    );
    // Not a parameter.
    assert!(!cat.account_params.contains_key("RESOURCE_MONITOR"));
    // Another replaces it.
    run(
        &mut cat,
        &mut sess,
        "ALTER ACCOUNT SET RESOURCE_MONITOR = B",
    )
    .unwrap();
    assert_eq!(level(&mut cat, &mut sess), [None, Some("ACCOUNT".into())]);
    // A missing monitor changes nothing.
    let e = run(
        &mut cat,
        &mut sess,
        "ALTER ACCOUNT SET RESOURCE_MONITOR = NOPE",
    )
    .unwrap_err();
    assert_eq!(e.code, "002003");
    assert!(
        e.message.contains("Resource monitor 'NOPE' does not exist"),
        "{}",
        e.message
    );
    assert_eq!(cat.account_monitor.as_deref(), Some("B"));
    run(&mut cat, &mut sess, "ALTER ACCOUNT UNSET RESOURCE_MONITOR").unwrap();
    assert_eq!(level(&mut cat, &mut sess), [None, Some("WAREHOUSE".into())]);
    // Renamed and dropped with the monitor.
    run(
        &mut cat,
        &mut sess,
        "ALTER ACCOUNT SET RESOURCE_MONITOR = A",
    )
    .unwrap();
    run(&mut cat, &mut sess, "ALTER RESOURCE MONITOR A RENAME TO C").unwrap();
    assert_eq!(cat.account_monitor.as_deref(), Some("C"));
    run(&mut cat, &mut sess, "DROP RESOURCE MONITOR C").unwrap();
    assert_eq!(cat.account_monitor, None);
}

#[test]
fn only_account_administrators_assign_resource_monitors() {
    let mut cat = Catalog::new_account("ADMIN");
    let mut sess = session();
    for sql in [
        "CREATE RESOURCE MONITOR M",
        "CREATE WAREHOUSE W",
        "GRANT OWNERSHIP ON WAREHOUSE W TO ROLE SYSADMIN",
        "USE ROLE SYSADMIN",
        "USE SECONDARY ROLES NONE",
    ] {
        run(&mut cat, &mut sess, sql).unwrap();
    }
    for sql in [
        "ALTER ACCOUNT SET RESOURCE_MONITOR = M",
        "ALTER ACCOUNT UNSET RESOURCE_MONITOR",
        "CREATE WAREHOUSE W2 RESOURCE_MONITOR = M",
        "ALTER WAREHOUSE W SET RESOURCE_MONITOR = M",
        "ALTER WAREHOUSE W UNSET RESOURCE_MONITOR",
    ] {
        let e = run(&mut cat, &mut sess, sql).unwrap_err();
        assert_eq!(e.code, "003001", "{sql}: {}", e.message);
        assert!(
            e.message
                .contains("Insufficient privileges to operate on account 'ACCT'"),
            "{sql}: {}",
            e.message
        );
    }
    assert_eq!(cat.account_monitor, None);
    assert!(!cat.warehouses.contains_key("W2"));
    // Without a monitor SYSADMIN creates warehouses as before.
    run(
        &mut cat,
        &mut sess,
        "CREATE WAREHOUSE W3 RESOURCE_MONITOR = NULL",
    )
    .unwrap();
    run(&mut cat, &mut sess, "USE ROLE ACCOUNTADMIN").unwrap();
    run(
        &mut cat,
        &mut sess,
        "CREATE WAREHOUSE W2 RESOURCE_MONITOR = M",
    )
    .unwrap();
    run(
        &mut cat,
        &mut sess,
        "ALTER ACCOUNT SET RESOURCE_MONITOR = M",
    )
    .unwrap();
}

#[test]
fn future_grants_to_a_database_role_follow_new_objects() {
    let mut cat = Catalog::new_account("ADMIN");
    let mut sess = session();
    for sql in [
        "CREATE DATABASE D",
        "CREATE DATABASE E",
        "CREATE SCHEMA D.S",
        "CREATE DATABASE ROLE D.R",
        "GRANT SELECT, INSERT ON FUTURE TABLES IN SCHEMA D.S TO DATABASE ROLE D.R",
        "GRANT USAGE ON FUTURE SCHEMAS IN DATABASE D TO DATABASE ROLE D.R",
        "CREATE TABLE D.S.T (id INT)",
        "CREATE SCHEMA D.LATER",
    ] {
        run(&mut cat, &mut sess, sql).unwrap();
    }
    let future = run(&mut cat, &mut sess, "SHOW FUTURE GRANTS IN SCHEMA D.S").unwrap();
    assert_eq!(future.rows.len(), 2);
    for row in &future.rows {
        assert_eq!(row[4], text("DATABASE_ROLE"));
        assert_eq!(row[5], text("D.R"));
    }
    // The new table and schema: privileges of the database role, not of a role.
    let mut held: Vec<(String, String)> = cat
        .database_role_privileges
        .iter()
        .map(|p| (p.privilege.clone(), grants::target_name(&p.target, "ACCT")))
        .collect();
    held.sort();
    assert_eq!(
        held,
        [
            ("INSERT".to_string(), "D.S.T".to_string()),
            ("SELECT".to_string(), "D.S.T".to_string()),
            ("USAGE".to_string(), "D.LATER".to_string()),
        ]
    );
    assert!(cat.grants.iter().all(|g| g.grantee != "R"));
    // Another database's containers are refused, granted or revoked.
    for sql in [
        "GRANT SELECT ON FUTURE TABLES IN DATABASE E TO DATABASE ROLE D.R",
        "REVOKE SELECT ON FUTURE TABLES IN SCHEMA E.PUBLIC FROM DATABASE ROLE D.R",
        "GRANT SELECT ON ALL TABLES IN SCHEMA E.PUBLIC TO DATABASE ROLE D.R",
    ] {
        assert_eq!(run(&mut cat, &mut sess, sql).unwrap_err().code, "003111");
    }
    // A role named like the database role keeps its own future grants.
    run(&mut cat, &mut sess, "CREATE ROLE R").unwrap();
    run(
        &mut cat,
        &mut sess,
        "GRANT SELECT ON FUTURE TABLES IN SCHEMA D.S TO ROLE R",
    )
    .unwrap();
    run(&mut cat, &mut sess, "DROP DATABASE ROLE D.R").unwrap();
    let left: Vec<bool> = cat
        .future_grants
        .iter()
        .map(|f| f.to_database_role)
        .collect();
    assert_eq!(left, [false]);
}
