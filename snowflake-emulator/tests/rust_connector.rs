//! The emulator through snowflake-connector-rs: login (password and key pair),
//! DDL, SHOW read by column name, errors with Snowflake codes, controls.

mod common;

use common::*;
use snowflake_connector_rs::{AuthConfig, ErrorKind, KeyPairConfig};

#[tokio::test]
async fn ddl_show_and_errors() {
    let emu = Emulator::start(&[]);
    let s = emu.session().await;

    let r = rows(&s, "CREATE DATABASE demo_db COMMENT = 'it''s \\\\ fine'").await;
    assert_eq!(
        text(&r[0], "status").as_deref(),
        Some("Database DEMO_DB successfully created.")
    );
    rows(&s, "CREATE TRANSIENT SCHEMA demo_db.\"Mixed\" WITH MANAGED ACCESS DATA_RETENTION_TIME_IN_DAYS = 0").await;
    rows(&s, "CREATE WAREHOUSE wh WITH WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60 AUTO_RESUME = FALSE INITIALLY_SUSPENDED = TRUE").await;
    rows(&s, "CREATE ROLE analyst COMMENT = 'reads'").await;

    let dbs = rows(&s, "SHOW DATABASES LIKE 'demo%'").await;
    assert_eq!(dbs.len(), 1);
    assert_eq!(text(&dbs[0], "name").as_deref(), Some("DEMO_DB"));
    assert_eq!(text(&dbs[0], "comment").as_deref(), Some("it's \\ fine"));
    assert_eq!(text(&dbs[0], "retention_time").as_deref(), Some("1"));

    let schemas = rows(&s, "SHOW SCHEMAS IN DATABASE demo_db").await;
    let names: Vec<_> = schemas.iter().map(|r| text(r, "name").unwrap()).collect();
    assert_eq!(names, ["INFORMATION_SCHEMA", "Mixed", "PUBLIC"]);
    let mixed = &schemas[1];
    assert_eq!(
        text(mixed, "options").as_deref(),
        Some("TRANSIENT, MANAGED ACCESS")
    );
    assert_eq!(text(mixed, "retention_time").as_deref(), Some("0"));

    let wh = rows(&s, "SHOW WAREHOUSES LIKE 'WH'").await;
    assert_eq!(text(&wh[0], "size").as_deref(), Some("X-Small"));
    assert_eq!(text(&wh[0], "state").as_deref(), Some("SUSPENDED"));
    assert_eq!(text(&wh[0], "auto_resume").as_deref(), Some("false"));
    assert_eq!(text(&wh[0], "auto_suspend").as_deref(), Some("60"));
    assert_eq!(text(&wh[0], "resource_monitor").as_deref(), Some("null"));
    rows(
        &s,
        "ALTER WAREHOUSE wh SET WAREHOUSE_SIZE = 'LARGE' COMMENT = 'big'",
    )
    .await;
    let wh = rows(&s, "SHOW WAREHOUSES LIKE 'wh'").await;
    assert_eq!(text(&wh[0], "size").as_deref(), Some("Large"));
    assert_eq!(text(&wh[0], "comment").as_deref(), Some("big"));

    rows(
        &s,
        "GRANT USAGE, MONITOR ON DATABASE demo_db TO ROLE analyst",
    )
    .await;
    rows(
        &s,
        "GRANT CREATE TABLE ON SCHEMA demo_db.\"Mixed\" TO ROLE analyst WITH GRANT OPTION",
    )
    .await;
    rows(&s, "GRANT ROLE analyst TO ROLE sysadmin").await;
    let grants = rows(&s, "SHOW GRANTS TO ROLE analyst").await;
    let privs: Vec<_> = grants
        .iter()
        .map(|r| (text(r, "privilege").unwrap(), text(r, "name").unwrap()))
        .collect();
    assert!(
        privs.contains(&("USAGE".into(), "DEMO_DB".into())),
        "{privs:?}"
    );
    assert!(
        privs.contains(&("CREATE TABLE".into(), "DEMO_DB.\"Mixed\"".into())),
        "{privs:?}"
    );
    let of = rows(&s, "SHOW GRANTS OF ROLE analyst").await;
    assert_eq!(text(&of[0], "grantee_name").as_deref(), Some("SYSADMIN"));

    // Errors keep Snowflake's codes.
    assert_eq!(error_code(&s, "CREATE DATABASE demo_db").await.0, "002002");
    let (code, msg) = error_code(&s, "DROP DATABASE nope").await;
    assert_eq!(code, "002003");
    assert!(
        msg.contains("Database 'NOPE' does not exist or not authorized."),
        "{msg}"
    );
    assert_eq!(error_code(&s, "USE WAREHOUSE nope").await.0, "002043");
    let (code, msg) = error_code(&s, "CREATE DATABASE x NONSENSE = 1").await;
    assert_eq!(code, "001003");
    assert!(
        msg.contains("syntax error line 1 at position 18 unexpected 'NONSENSE'."),
        "{msg}"
    );
    // Tables hold rows now: a missing one is 002003, as in Snowflake.
    assert_eq!(error_code(&s, "SELECT * FROM t").await.0, "002003");

    // Drop takes the schemas and the grants with it.
    rows(&s, "DROP DATABASE demo_db").await;
    assert!(
        rows(&s, "SHOW GRANTS TO ROLE analyst")
            .await
            .iter()
            .all(|r| text(r, "granted_on").as_deref() == Some("ROLE"))
    );
    let r = rows(&s, "DROP DATABASE IF EXISTS demo_db").await;
    assert_eq!(
        text(&r[0], "status").as_deref(),
        Some("Drop statement executed successfully (DEMO_DB already dropped).")
    );
}

#[tokio::test]
async fn wrong_password_fails() {
    let emu = Emulator::start(&[]);
    let err = emu
        .client("admin", AuthConfig::password("nope"))
        .create_session()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(
        err.to_string()
            .contains("Incorrect username or password was specified."),
        "{err}"
    );
    let err = emu
        .client("someone", AuthConfig::password("admin"))
        .create_session()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn key_pair_login() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let public = format!("{dir}/tests/fixtures/rsa_key.pub");
    let emu = Emulator::start(&["--public-key", &public]);
    let pem = std::fs::read_to_string(format!("{dir}/tests/fixtures/rsa_key.p8")).unwrap();
    let s = emu
        .client("admin", AuthConfig::key_pair(KeyPairConfig::from_pem(pem)))
        .create_session()
        .await
        .unwrap();
    let r = rows(&s, "SELECT CURRENT_USER() AS u").await;
    assert_eq!(text(&r[0], "U").as_deref(), Some("ADMIN"));

    let other = std::fs::read_to_string(format!("{dir}/tests/fixtures/other_key.p8")).unwrap();
    let err = emu
        .client(
            "admin",
            AuthConfig::key_pair(KeyPairConfig::from_pem(other)),
        )
        .create_session()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
}

#[tokio::test]
async fn future_grants_apply_to_new_tables() {
    let emu = Emulator::start(&[]);
    let s = emu.session().await;
    rows(&s, "CREATE DATABASE d").await;
    rows(&s, "CREATE SCHEMA d.s").await;
    rows(&s, "CREATE ROLE r").await;
    rows(
        &s,
        "GRANT SELECT, INSERT ON FUTURE TABLES IN SCHEMA d.s TO ROLE r",
    )
    .await;
    rows(
        &s,
        "GRANT SELECT ON FUTURE TABLES IN DATABASE d TO ROLE public",
    )
    .await;
    let fut = rows(&s, "SHOW FUTURE GRANTS IN SCHEMA d.s").await;
    assert_eq!(fut.len(), 2);
    assert_eq!(text(&fut[0], "name").as_deref(), Some("D.S.<TABLE>"));
    assert_eq!(text(&fut[0], "grant_on").as_deref(), Some("TABLE"));
    rows(&s, "CREATE TABLE d.s.t (id INT, name VARCHAR(10))").await;
    let on = rows(&s, "SHOW GRANTS ON TABLE d.s.t").await;
    let got: Vec<_> = on
        .iter()
        .map(|r| {
            (
                text(r, "privilege").unwrap(),
                text(r, "grantee_name").unwrap(),
            )
        })
        .collect();
    // Schema-level future grants win over database-level ones.
    assert_eq!(
        got,
        [
            ("OWNERSHIP".to_string(), "ACCOUNTADMIN".to_string()),
            ("SELECT".into(), "R".into()),
            ("INSERT".into(), "R".into())
        ]
    );
    rows(&s, "CREATE TABLE d.public.t2 (id INT)").await;
    let on = rows(&s, "SHOW GRANTS ON TABLE d.public.t2").await;
    assert_eq!(text(&on[1], "grantee_name").as_deref(), Some("PUBLIC"));
    let tables = rows(&s, "SHOW TABLES IN DATABASE d").await;
    assert_eq!(tables.len(), 2);
    rows(
        &s,
        "REVOKE SELECT ON FUTURE TABLES IN SCHEMA d.s FROM ROLE r",
    )
    .await;
    rows(
        &s,
        "REVOKE SELECT ON FUTURE TABLES IN SCHEMA d.s FROM ROLE r",
    )
    .await;
    assert_eq!(rows(&s, "SHOW FUTURE GRANTS IN SCHEMA d.s").await.len(), 1);
}

#[tokio::test]
async fn persistence_across_restart() {
    let dir = std::env::temp_dir().join(format!("sfemu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("catalog.json");
    let _ = std::fs::remove_file(&data);
    let data_s = data.to_str().unwrap().to_string();
    {
        let emu = Emulator::start(&["--data", &data_s]);
        let s = emu.session().await;
        rows(&s, "CREATE DATABASE kept COMMENT = 'survives'").await;
        rows(&s, "CREATE ROLE kept_role").await;
        rows(&s, "GRANT USAGE ON DATABASE kept TO ROLE kept_role").await;
        rows(
            &s,
            "CREATE TASK kept.public.root SCHEDULE = '5 MINUTE' AS SELECT 1",
        )
        .await;
        rows(&s, "CREATE TASK kept.public.child AFTER root AS SELECT 2").await;
        rows(&s, "ALTER TASK kept.public.root RESUME").await;
    }
    let emu = Emulator::start(&["--data", &data_s]);
    let s = emu.session().await;
    let dbs = rows(&s, "SHOW DATABASES LIKE 'KEPT'").await;
    assert_eq!(text(&dbs[0], "comment").as_deref(), Some("survives"));
    assert_eq!(rows(&s, "SHOW GRANTS TO ROLE kept_role").await.len(), 1);
    let tasks = rows(&s, "SHOW TASKS IN DATABASE kept").await;
    assert_eq!(tasks.len(), 2);
    assert_eq!(text(&tasks[0], "name").as_deref(), Some("CHILD"));
    assert_eq!(
        text(&tasks[0], "predecessors").as_deref(),
        Some(r#"["KEPT.PUBLIC.ROOT"]"#)
    );
    assert_eq!(text(&tasks[1], "state").as_deref(), Some("started"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn stats_and_faults() {
    let emu = Emulator::start(&[
        "--fault",
        r#"{"match": "CREATE ROLE boom", "code": "000603", "message": "injected", "count": 1}"#,
    ]);
    let s = emu.session().await;
    emu.http("POST", "/emulator/stats/reset", "");
    rows(&s, "SHOW DATABASES").await;
    rows(&s, "CREATE DATABASE x").await;
    let (code, msg) = error_code(&s, "CREATE ROLE boom").await;
    assert_eq!((code.as_str(), msg.as_str()), ("000603", "injected"));
    rows(&s, "CREATE ROLE boom").await; // count exhausted
    let st = emu.stats();
    assert_eq!(st["statements"], 4);
    assert_eq!(st["by_kind"]["show"], 1);
    assert_eq!(st["by_kind"]["create"], 3);

    // Nth statement.
    let (status, _) = emu.http(
        "POST",
        "/emulator/faults",
        r#"{"nth": 2, "code": "000630", "message": "timeout"}"#,
    );
    assert_eq!(status, 200);
    rows(&s, "SHOW ROLES").await;
    assert_eq!(error_code(&s, "SHOW ROLES").await.0, "000630");
    rows(&s, "SHOW ROLES").await;

    // Dropped connection and HTTP 503 surface as network errors in the Rust crate.
    emu.http(
        "POST",
        "/emulator/faults",
        r#"[{"match": "DROP", "action": "drop", "count": 1}]"#,
    );
    let e = s
        .query("DROP DATABASE x")
        .await
        .expect_err("dropped connection fails");
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    emu.http(
        "POST",
        "/emulator/faults",
        r#"{"match": "SHOW WAREHOUSES", "action": "503", "count": 1}"#,
    );
    let e = s.query("SHOW WAREHOUSES").await.expect_err("503 fails");
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    // The dropped statement was not executed; with after_execute it is.
    rows(&s, "SHOW DATABASES LIKE 'X'")
        .await
        .first()
        .expect("x still exists");
    emu.http(
        "POST",
        "/emulator/faults",
        r#"{"match": "DROP", "action": "drop", "after_execute": true, "count": 1}"#,
    );
    assert!(s.query("DROP DATABASE x").await.is_err());
    assert!(rows(&s, "SHOW DATABASES LIKE 'X'").await.is_empty());
    let (_, body) = emu.http("DELETE", "/emulator/faults", "");
    assert_eq!(body, r#"{"faults":[]}"#);
}

#[tokio::test]
async fn concurrent_sessions() {
    let emu = Emulator::start(&["--latency-ms", "100"]);
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = emu.session().await;
        tasks.push(tokio::spawn(async move {
            for j in 0..5 {
                rows(&s, &format!("CREATE ROLE r_{i}_{j}")).await;
            }
            rows(&s, "SHOW ROLES LIKE 'R\\_%'").await.len()
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap() >= 5);
    }
    // 8 sessions x 6 statements x 100 ms would take 4.8 s if serialised; overlapped about 0.6 s.
    assert!(
        started.elapsed().as_millis() < 2500,
        "{:?}",
        started.elapsed()
    );
    let s = emu.session().await;
    assert_eq!(rows(&s, "SHOW ROLES LIKE 'R\\_%'").await.len(), 40);
    assert_eq!(emu.stats()["logins"], 9);
}

/// Not a timed test: prints the throughput figure. Run with
/// `cargo test -p snowflake-emulator --test rust_connector -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn benchmark_10k_sequential_statements() {
    let emu = Emulator::start(&[]);
    let s = emu.session().await;
    rows(&s, "CREATE DATABASE bench").await;
    let n = 10_000;
    let t = std::time::Instant::now();
    for i in 0..n {
        let sql = if i % 2 == 0 {
            "SELECT 1".to_string()
        } else {
            "SHOW SCHEMAS IN DATABASE bench".to_string()
        };
        rows(&s, &sql).await;
    }
    let el = t.elapsed();
    println!(
        "{n} sequential statements: {:.2} s, {:.0} statements/s",
        el.as_secs_f64(),
        n as f64 / el.as_secs_f64()
    );
    let t = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = emu.session().await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..1000 {
                rows(&s, "SELECT 1").await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let el = t.elapsed();
    println!(
        "8 concurrent sessions x 1000 statements: {:.2} s, {:.0} statements/s",
        el.as_secs_f64(),
        8000.0 / el.as_secs_f64()
    );
}

#[tokio::test]
async fn large_results_in_chunks() {
    let emu = Emulator::start(&["--chunk-rows", "4"]);
    let s = emu.session().await;
    for i in 0..10 {
        rows(&s, &format!("CREATE ROLE chunk_{i:02}")).await;
    }
    let names: Vec<_> = rows(&s, "SHOW ROLES LIKE 'CHUNK%'")
        .await
        .iter()
        .map(|r| text(r, "name").unwrap())
        .collect();
    let expected: Vec<_> = (0..10).map(|i| format!("CHUNK_{i:02}")).collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn session_endpoints_over_raw_http() {
    use serde_json::{Value, json};
    let emu = Emulator::start(&[]);
    let post = |path: &str, token: Option<&str>, body: Value| -> Value {
        let (status, text) = emu.http_auth("POST", path, token, &body.to_string());
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    };
    let login = post(
        "/session/v1/login-request?roleName=sysadmin",
        None,
        json!({"data": {"ACCOUNT_NAME": "acct", "LOGIN_NAME": "ADMIN", "PASSWORD": "admin"}}),
    );
    assert_eq!(login["success"], true);
    assert_eq!(login["data"]["sessionInfo"]["roleName"], "SYSADMIN");
    let token = login["data"]["token"].as_str().unwrap().to_string();
    let master = login["data"]["masterToken"].as_str().unwrap().to_string();
    let q = |token: &str| {
        post(
            "/queries/v1/query-request?requestId=1",
            Some(token),
            json!({"sqlText": "SELECT CURRENT_ROLE()"}),
        )
    };
    assert_eq!(q(&token)["data"]["rowset"], json!([["SYSADMIN"]]));
    assert_eq!(
        post("/session/heartbeat", Some(&token), json!({}))["success"],
        true
    );
    assert_eq!(
        post("/telemetry/send", Some(&token), json!({"logs": []}))["success"],
        true
    );
    assert_eq!(
        post(
            "/queries/v1/abort-request",
            Some(&token),
            json!({"requestId": "x"})
        )["success"],
        true
    );
    // Renewal: the old session token stops working, the new one keeps the session.
    let renewed = post(
        "/session/token-request",
        Some(&master),
        json!({"oldSessionToken": token, "requestType": "RENEW"}),
    );
    let new_token = renewed["data"]["sessionToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(q(&token)["code"], "390104");
    assert_eq!(q(&new_token)["data"]["rowset"], json!([["SYSADMIN"]]));
    // Close.
    assert_eq!(
        post("/session?delete=true", Some(&new_token), json!({}))["success"],
        true
    );
    assert_eq!(q(&new_token)["code"], "390104");
    // Login errors.
    let bad = post(
        "/session/v1/login-request",
        None,
        json!({"data": {"LOGIN_NAME": "admin", "PASSWORD": "x"}}),
    );
    assert_eq!(
        (bad["success"].clone(), bad["code"].clone()),
        (json!(false), json!("390100"))
    );
    let bad_role = post(
        "/session/v1/login-request?roleName=NOPE",
        None,
        json!({"data": {"LOGIN_NAME": "admin", "PASSWORD": "admin"}}),
    );
    assert_eq!(bad_role["code"], "390189");
    // A gzip body is accepted.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut gz,
        br#"{"data": {"LOGIN_NAME": "admin", "PASSWORD": "admin"}}"#,
    )
    .unwrap();
    let body = gz.finish().unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", emu.port)).unwrap();
    let head = format!(
        "POST /session/v1/login-request HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    std::io::Write::write_all(&mut s, head.as_bytes()).unwrap();
    std::io::Write::write_all(&mut s, &body).unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(&mut s, &mut out).unwrap();
    assert!(out.contains(r#""success":true"#), "{out}");
}

#[tokio::test]
async fn table_data_with_positional_and_named_binds() {
    use snowflake_connector_rs::Statement;
    let emu = Emulator::start(&[]);
    let s = emu.session().await;
    rows(&s, "CREATE DATABASE d").await;
    rows(
        &s,
        "CREATE TABLE runs (id INT, team VARCHAR, score NUMBER(10,2))",
    )
    .await;
    let r = s
        .query(
            Statement::new("INSERT INTO runs VALUES (?, ?, ?), (?, ?, ?)")
                .bind(1_i64)
                .bind("a")
                .bind(1.5_f64)
                .bind(2_i64)
                .bind("b")
                .bind(2.25_f64),
        )
        .await
        .unwrap()
        .collect::<Vec<snowflake_connector_rs::DynamicRow>>()
        .await
        .unwrap();
    assert_eq!(text(&r[0], "number of rows inserted").as_deref(), Some("2"));
    let r = s
        .query(
            Statement::new_named("UPDATE runs SET team = :team WHERE id = :id")
                .bind_named("team", "bee")
                .bind_named("id", 2_i64),
        )
        .await
        .unwrap()
        .collect::<Vec<snowflake_connector_rs::DynamicRow>>()
        .await
        .unwrap();
    assert_eq!(text(&r[0], "number of rows updated").as_deref(), Some("1"));
    let r = rows(
        &s,
        "SELECT team, score, ROW_NUMBER() OVER (ORDER BY score DESC) AS rn FROM runs ORDER BY id",
    )
    .await;
    assert_eq!(text(&r[1], "TEAM").as_deref(), Some("bee"));
    assert_eq!(text(&r[1], "RN").as_deref(), Some("1"));
    assert_eq!(
        columns(&s, "SELECT COUNT(*), MAX(team) FROM runs").await,
        ["COUNT(*)", "MAX(TEAM)"]
    );
}
