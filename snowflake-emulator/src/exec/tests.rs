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
