//! HTTP front end: Snowflake's driver REST protocol (login, query, session,
//! telemetry) plus the emulator's control endpoints (stats, faults).

use crate::catalog::{Catalog, Grantee, RoleGrant, User, now_ms};
use crate::error::SfError;
use crate::exec::{Account, Exec, Session};
use crate::faults::{FaultAction, FaultSpec, Faults};
use crate::jwt;
use crate::parser;
use crate::result::{ColType, QueryResult};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub user: String,
    pub password: String,
    pub public_key_pem: Option<String>,
    pub latency_ms: u64,
    pub data: Option<PathBuf>,
    pub edition: String,
    pub chunk_rows: usize,
    pub faults: Vec<FaultSpec>,
}

const KINDS: [&str; 9] = [
    "show", "create", "alter", "drop", "grant", "revoke", "use", "select", "other",
];

#[derive(Default)]
pub struct Stats {
    statements: AtomicU64,
    logins: AtomicU64,
    by_kind: [AtomicU64; 9],
}

impl Stats {
    fn count(&self, kind: &str) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        let i = KINDS.iter().position(|k| *k == kind).unwrap_or(8);
        self.by_kind[i].fetch_add(1, Ordering::Relaxed);
    }
    fn json(&self) -> Json {
        let by: serde_json::Map<String, Json> = KINDS
            .iter()
            .enumerate()
            .map(|(i, k)| {
                (
                    k.to_string(),
                    json!(self.by_kind[i].load(Ordering::Relaxed)),
                )
            })
            .collect();
        json!({
            "statements": self.statements.load(Ordering::Relaxed),
            "logins": self.logins.load(Ordering::Relaxed),
            "by_kind": by,
        })
    }
    fn reset(&self) {
        self.statements.store(0, Ordering::Relaxed);
        self.logins.store(0, Ordering::Relaxed);
        for k in &self.by_kind {
            k.store(0, Ordering::Relaxed);
        }
    }
}

struct SessionEntry {
    sess: Session,
    account: Account,
}

pub struct State {
    config: Config,
    catalog: Mutex<Catalog>,
    /// Session token -> session; master token -> session token.
    sessions: Mutex<HashMap<String, Arc<Mutex<SessionEntry>>>>,
    masters: Mutex<HashMap<String, String>>,
    chunks: Mutex<HashMap<String, Vec<Bytes>>>,
    next_session: AtomicU64,
    pub stats: Stats,
    pub faults: Faults,
    pub base_url: Mutex<String>,
}

pub type Resp = Response<Full<Bytes>>;

/// Marker error: close the connection without answering.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for DropConnection {}

fn json_resp(status: StatusCode, v: &Json) -> Resp {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(v.to_string())))
        .unwrap()
}

fn ok(v: &Json) -> Resp {
    json_resp(StatusCode::OK, v)
}

impl State {
    pub fn new(config: Config) -> Result<Self, String> {
        let mut catalog = match &config.data {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                serde_json::from_str(&text)
                    .map_err(|e| format!("cannot parse {}: {e}", p.display()))?
            }
            _ => Catalog::new_account(&config.user.to_ascii_uppercase()),
        };
        let user = config.user.to_ascii_uppercase();
        if !catalog.users.contains_key(&user) {
            catalog.users.insert(
                user.clone(),
                User {
                    name: user.clone(),
                    created_on: now_ms(),
                    owner: "ACCOUNTADMIN".into(),
                    login_name: user.clone(),
                    display_name: user.clone(),
                    default_role: Some("ACCOUNTADMIN".into()),
                    has_password: true,
                    ..Default::default()
                },
            );
            catalog.role_grants.push(RoleGrant {
                created_on: now_ms(),
                role: "ACCOUNTADMIN".into(),
                grantee: Grantee::User(user),
                granted_by: String::new(),
                grant_option: false,
            });
        }
        if let Some(p) = &config.data {
            let mut file = p.as_os_str().to_owned();
            file.push(".tables.sqlite");
            catalog.data = crate::sql_engine::DataStore::open(std::path::Path::new(&file))?;
        }
        crate::sql_engine::reconcile(&mut catalog).map_err(|e| e.message)?;
        let faults = Faults::default();
        for f in &config.faults {
            faults.add(f.clone())?;
        }
        Ok(State {
            config,
            catalog: Mutex::new(catalog),
            sessions: Mutex::new(HashMap::new()),
            masters: Mutex::new(HashMap::new()),
            chunks: Mutex::new(HashMap::new()),
            next_session: AtomicU64::new(1_000_001),
            stats: Stats::default(),
            faults,
            base_url: Mutex::new(String::new()),
        })
    }

    /// Write the catalog atomically: temp file, fsync, rename.
    fn persist(&self, cat: &Catalog) -> Result<(), SfError> {
        let Some(path) = &self.config.data else {
            return Ok(());
        };
        let fail = |e: std::io::Error| {
            SfError::new(
                "000603",
                "XX000",
                format!("SQL execution internal error: cannot persist catalog: {e}"),
            )
        };
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let bytes = serde_json::to_vec(cat).expect("catalog serialises");
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(fail)?;
            f.write_all(&bytes).map_err(fail)?;
            f.sync_all().map_err(fail)?;
        }
        std::fs::rename(&tmp, path).map_err(fail)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

async fn body_json(req: Request<Incoming>) -> Result<Json, String> {
    let gzip = req
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let raw = req
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let mut data = raw.to_vec();
    if gzip || data.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        data = out;
    }
    if data.is_empty() {
        return Ok(Json::Null);
    }
    serde_json::from_slice(&data).map_err(|e| e.to_string())
}

fn token_of(req: &Request<Incoming>) -> Option<String> {
    let h = req.headers().get("authorization")?.to_str().ok()?;
    let start = h.find("Token=\"")? + 7;
    let rest = &h[start..];
    Some(rest[..rest.find('"')?].to_string())
}

fn query_params(req: &Request<Incoming>) -> HashMap<String, String> {
    let mut m = HashMap::new();
    if let Some(q) = req.uri().query() {
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            m.insert(k.to_string(), percent_decode(v));
        }
    }
    m
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A connect-string identifier: quoted keeps case, unquoted folds.
fn ident(v: &str) -> String {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v[1..v.len() - 1].replace("\"\"", "\"")
    } else {
        v.to_ascii_uppercase()
    }
}

fn login_failure(code: &str, message: &str) -> Resp {
    ok(&json!({"success": false, "code": code, "message": message, "data": null, "headers": null}))
}

pub async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Resp, DropConnection> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let resp = match (method, path.as_str()) {
        (Method::POST, "/session/v1/login-request") => login(&state, req).await,
        (Method::POST, "/queries/v1/query-request") => return query(&state, req).await,
        (Method::POST, "/queries/v1/abort-request") => {
            ok(&json!({"success": true, "code": null, "message": null, "data": null}))
        }
        (Method::POST, "/session") => {
            if let Some(t) = token_of(&req) {
                let gone = state
                    .sessions
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&t);
                if let Some(entry) = gone {
                    let id = entry
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .sess
                        .id;
                    state
                        .catalog
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .data
                        .session_closed(id);
                }
            }
            ok(&json!({"success": true, "code": null, "message": null, "data": null}))
        }
        (Method::POST, "/session/heartbeat") => {
            ok(&json!({"success": true, "code": null, "message": null, "data": {}}))
        }
        (Method::POST, "/session/token-request") => renew(&state, req).await,
        (Method::POST, "/telemetry/send") => ok(&json!({"success": true, "data": "Log Received"})),
        (Method::GET, "/emulator/stats") => ok(&state.stats.json()),
        (Method::POST, "/emulator/stats/reset") => {
            state.stats.reset();
            ok(&state.stats.json())
        }
        (Method::GET, "/emulator/faults") => ok(&state.faults.json()),
        (Method::DELETE, "/emulator/faults") => {
            state.faults.clear();
            ok(&state.faults.json())
        }
        (Method::POST, "/emulator/faults") => match body_json(req).await {
            Ok(v) => {
                let specs: Result<Vec<FaultSpec>, String> = if v.is_array() {
                    serde_json::from_value(v).map_err(|e| e.to_string())
                } else {
                    serde_json::from_value(v)
                        .map(|s| vec![s])
                        .map_err(|e| e.to_string())
                };
                match specs.and_then(|ss| ss.into_iter().try_for_each(|s| state.faults.add(s))) {
                    Ok(()) => ok(&state.faults.json()),
                    Err(e) => json_resp(StatusCode::BAD_REQUEST, &json!({"error": e})),
                }
            }
            Err(e) => json_resp(StatusCode::BAD_REQUEST, &json!({"error": e})),
        },
        (Method::GET, p) if p.starts_with("/emulator/chunks/") => {
            let parts: Vec<&str> = p
                .trim_start_matches("/emulator/chunks/")
                .split('/')
                .collect();
            let chunk = (parts.len() == 2)
                .then(|| {
                    let chunks = state
                        .chunks
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    chunks.get(parts[0]).and_then(|c| {
                        parts[1]
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| c.get(i).cloned())
                    })
                })
                .flatten();
            match chunk {
                Some(b) => Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(Full::new(b))
                    .unwrap(),
                None => json_resp(StatusCode::NOT_FOUND, &json!({"error": "no such chunk"})),
            }
        }
        (Method::GET, p) if p.starts_with("/queries/") || p.starts_with("/monitoring/queries/") => {
            ok(&json!({
                "success": false, "code": "000709", "message": "Statement not found.",
                "data": {"queryId": p.rsplit('/').nth(1).unwrap_or(""), "errorCode": "000709", "sqlState": "02000"}
            }))
        }
        _ => json_resp(
            StatusCode::NOT_FOUND,
            &json!({"error": format!("no route for {path}")}),
        ),
    };
    Ok(resp)
}

async fn login(state: &State, req: Request<Incoming>) -> Resp {
    let params = query_params(&req);
    let body = match body_json(req).await {
        Ok(b) => b,
        Err(_) => return login_failure("390400", "Bad request."),
    };
    let d = &body["data"];
    let login_name = d["LOGIN_NAME"].as_str().unwrap_or("").to_string();
    let account_name = d["ACCOUNT_NAME"]
        .as_str()
        .unwrap_or("EMULATOR")
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    let authenticator = d["AUTHENTICATOR"]
        .as_str()
        .unwrap_or("SNOWFLAKE")
        .to_ascii_uppercase();
    let user_ok = login_name.eq_ignore_ascii_case(&state.config.user);
    if authenticator == "SNOWFLAKE_JWT" {
        let token = d["TOKEN"].as_str().unwrap_or("");
        let Some(pem) = &state.config.public_key_pem else {
            return login_failure("390144", "JWT token is invalid.");
        };
        if !user_ok
            || jwt::verify(
                token,
                pem,
                &account_name,
                &state.config.user.to_ascii_uppercase(),
            )
            .is_err()
        {
            return login_failure("390144", "JWT token is invalid.");
        }
    } else if authenticator == "SNOWFLAKE" || authenticator.is_empty() {
        if !user_ok || d["PASSWORD"].as_str() != Some(state.config.password.as_str()) {
            return login_failure("390100", "Incorrect username or password was specified.");
        }
    } else {
        return login_failure("390100", "Incorrect username or password was specified.");
    }
    let user = state.config.user.to_ascii_uppercase();
    let id = state.next_session.fetch_add(1, Ordering::Relaxed);
    let mut sess = Session {
        id,
        user: user.clone(),
        role: "PUBLIC".into(),
        secondary_all: true,
        warehouse: None,
        database: None,
        schema: None,
        params: Default::default(),
    };
    {
        let cat = state
            .catalog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let account = Account {
            name: account_name.clone(),
            edition: state.config.edition.clone(),
        };
        let mut cat_clone_guard = cat;
        let exec = Exec {
            cat: &mut cat_clone_guard,
            sess: &mut sess,
            account: &account,
        };
        let available = exec.available_roles();
        let default_role = exec
            .cat
            .users
            .get(&user)
            .and_then(|u| u.default_role.clone());
        // DEFAULT_SECONDARY_ROLES: ALL unless set to ().
        exec.sess.secondary_all = exec
            .cat
            .users
            .get(&user)
            .is_none_or(|u| u.secondary_roles_all());
        match params.get("roleName").map(|r| ident(r)) {
            Some(r) => {
                if !exec.cat.roles.contains_key(&r) || !available.contains(&r) {
                    return login_failure(
                        "390189",
                        &format!(
                            "Role '{r}' specified in the connect string does not exist or not authorized. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC."
                        ),
                    );
                }
                exec.sess.role = r;
            }
            None => {
                if let Some(r) = default_role.filter(|r| available.contains(r)) {
                    exec.sess.role = r;
                }
            }
        }
        if let Some(w) = params
            .get("warehouse")
            .map(|w| ident(w))
            .filter(|w| exec.cat.warehouses.contains_key(w))
        {
            exec.sess.warehouse = Some(w);
        }
        if let Some(db) = params
            .get("databaseName")
            .map(|d| ident(d))
            .filter(|d| exec.cat.databases.contains_key(d))
        {
            let schema = params
                .get("schemaName")
                .map(|s| ident(s))
                .unwrap_or_else(|| "PUBLIC".into());
            exec.sess.database = Some(db.clone());
            exec.sess.schema = exec.cat.databases[&db]
                .schemas
                .contains_key(&schema)
                .then_some(schema);
        }
    }
    state.stats.logins.fetch_add(1, Ordering::Relaxed);
    let token = format!("emu-session-{}", uuid::Uuid::new_v4().simple());
    let master = format!("emu-master-{}", uuid::Uuid::new_v4().simple());
    let info = json!({
        "databaseName": sess.database, "schemaName": sess.schema,
        "warehouseName": sess.warehouse, "roleName": sess.role,
    });
    state
        .masters
        .lock()
        .unwrap()
        .insert(master.clone(), token.clone());
    state
        .sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(
            token.clone(),
            Arc::new(Mutex::new(SessionEntry {
                sess,
                account: Account {
                    name: account_name,
                    edition: state.config.edition.clone(),
                },
            })),
        );
    ok(&json!({
        "success": true, "code": null, "message": null,
        "data": {
            "token": token, "masterToken": master, "validityInSeconds": 3600, "masterValidityInSeconds": 14400,
            "idToken": null, "mfaToken": null, "sessionId": id,
            "healthCheckInterval": 45, "newClientForUpgrade": null, "displayUserName": user,
            "serverVersion": crate::exec::VERSION,
            "firstLogin": false, "remMeToken": null, "remMeValidityInSeconds": 0,
            "parameters": session_parameters(),
            "sessionInfo": info,
        }
    }))
}

fn session_parameters() -> Json {
    json!([
        {"name": "TIMEZONE", "value": "UTC"},
        {"name": "CLIENT_SESSION_KEEP_ALIVE", "value": false},
        {"name": "CLIENT_TELEMETRY_ENABLED", "value": false},
        {"name": "CLIENT_PREFETCH_THREADS", "value": 4},
        {"name": "AUTOCOMMIT", "value": true},
        // No stages: array binds always travel inline in `bindings`.
        {"name": "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD", "value": 0},
    ])
}

async fn renew(state: &State, req: Request<Incoming>) -> Resp {
    let master = token_of(&req).unwrap_or_default();
    let body = body_json(req).await.unwrap_or(Json::Null);
    let old = body["oldSessionToken"].as_str().unwrap_or("").to_string();
    let mut masters = state
        .masters
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(current) = masters.get(&master).cloned() else {
        return ok(
            &json!({"success": false, "code": "390114", "message": "Authentication token has expired. The user must authenticate again.", "data": null}),
        );
    };
    let mut sessions = state
        .sessions
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(entry) = sessions
        .remove(if old.is_empty() { &current } else { &old })
        .or_else(|| sessions.remove(&current))
    else {
        return ok(
            &json!({"success": false, "code": "390114", "message": "Authentication token has expired. The user must authenticate again.", "data": null}),
        );
    };
    let token = format!("emu-session-{}", uuid::Uuid::new_v4().simple());
    sessions.insert(token.clone(), entry);
    masters.insert(master.clone(), token.clone());
    ok(&json!({
        "success": true, "code": null, "message": null,
        "data": {"sessionToken": token, "validityInSecondsST": 3600, "masterToken": master, "validityInSecondsMT": 14400, "sessionId": 0}
    }))
}

fn query_id() -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "01{}-{}-{}-{}-{}",
        &u[0..6],
        &u[6..10],
        &u[10..14],
        &u[14..18],
        &u[18..30]
    )
}

fn error_body(e: &SfError, qid: &str) -> Json {
    json!({
        "success": false, "code": e.code, "message": e.message, "sqlState": e.sql_state,
        "data": {
            "queryId": qid, "errorCode": e.code, "sqlState": e.sql_state, "internalError": false,
            "unredactedFromSecureObject": false, "age": 0, "line": -1, "pos": -1, "type": "COMPILATION",
        },
        "headers": null,
    })
}

fn rowtype(r: &QueryResult) -> Json {
    Json::Array(
        r.columns
            .iter()
            .map(|c| {
                let (ty, length, precision, scale) = match c.ty {
                    ColType::Text => ("text", json!(16777216), Json::Null, Json::Null),
                    ColType::Fixed => ("fixed", Json::Null, json!(38), json!(0)),
                    ColType::Boolean => ("boolean", Json::Null, Json::Null, Json::Null),
                    ColType::TimestampLtz => ("timestamp_ltz", Json::Null, json!(0), json!(3)),
                    ColType::Number(p, s) => ("fixed", Json::Null, json!(p), json!(s)),
                    ColType::Real => ("real", Json::Null, Json::Null, Json::Null),
                    ColType::TimestampNtz => ("timestamp_ntz", Json::Null, json!(0), json!(9)),
                    ColType::TimestampLtz9 => ("timestamp_ltz", Json::Null, json!(0), json!(9)),
                    ColType::Date => ("date", Json::Null, Json::Null, Json::Null),
                    ColType::Variant => ("variant", json!(16777216), Json::Null, Json::Null),
                };
                json!({
                    "name": c.name, "database": "", "schema": "", "table": "", "nullable": true,
                    "type": ty, "length": length, "byteLength": length, "precision": precision,
                    "scale": scale, "collation": null,
                })
            })
            .collect(),
    )
}

/// Snowflake's statement type ids: DML results by their count columns (the
/// Python connector takes `rowcount` from them), DDL/status, else SELECT.
fn statement_type(r: &QueryResult) -> u64 {
    let names = r.column_names();
    match names.as_slice() {
        ["status"] => 24576,
        ["number of rows inserted"] => 0x3100,
        ["number of rows updated", ..] => 0x3200,
        ["number of rows deleted"] => 0x3300,
        ["number of rows inserted", "number of rows updated", ..] => 0x3400,
        _ => 4096,
    }
}

async fn query(state: &Arc<State>, req: Request<Incoming>) -> Result<Resp, DropConnection> {
    let qid = query_id();
    let Some(entry) = token_of(&req).and_then(|t| {
        state
            .sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&t)
            .cloned()
    }) else {
        return Ok(ok(&json!({
            "success": false, "code": "390104", "message": "User must login again to access the service.", "data": null
        })));
    };
    let body = match body_json(req).await {
        Ok(b) => b,
        Err(e) => {
            return Ok(ok(&error_body(
                &SfError::new("390400", "08004", format!("Bad request: {e}")),
                &qid,
            )));
        }
    };
    let sql = body["sqlText"].as_str().unwrap_or("").to_string();
    let mut parsed = parser::parse(&sql);
    if let Ok(parser::Stmt::Sql { binds, .. }) = &mut parsed {
        *binds = body["bindings"].clone();
    }
    state
        .stats
        .count(parsed.as_ref().map(|s| s.kind_label()).unwrap_or("other"));
    if state.config.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(state.config.latency_ms)).await;
    }
    let fault = state.faults.check(&sql);
    if let Some(f) = &fault {
        match f.action {
            FaultAction::Error => return Ok(ok(&error_body(&f.error(), &qid))),
            FaultAction::Http503 | FaultAction::Http429 => {
                let status = StatusCode::from_u16(f.action.http_status().unwrap_or(503))
                    .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
                return Ok(json_resp(
                    status,
                    &json!({"error": format!("{} (fault injection)", status.canonical_reason().unwrap_or("unavailable"))}),
                ));
            }
            FaultAction::Drop if !f.after_execute => return Err(DropConnection),
            FaultAction::Drop => {}
        }
    }
    // A statement blocked by another session's transaction is retried (for
    // up to a minute) without holding any lock.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let outcome = loop {
        let attempt = {
            let mut guard = entry
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let SessionEntry { sess, account } = &mut *guard;
            parsed.clone().and_then(|stmt| {
                let mut cat = state
                    .catalog
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let out = Exec {
                    cat: &mut cat,
                    sess,
                    account,
                }
                .run(stmt)?;
                if out.changed {
                    state.persist(&cat)?;
                }
                Ok((out, sess.clone()))
            })
        };
        match attempt {
            Err(e) if e.code == crate::sql_engine::BUSY => {
                if std::time::Instant::now() > deadline {
                    break Err(SfError::new(
                        "000625",
                        "57014",
                        format!(
                            "Statement '{qid}' has locked table and is waiting for another transaction; timed out."
                        ),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => break other,
        }
    };
    if fault.is_some() {
        return Err(DropConnection);
    }
    let (out, sess) = match outcome {
        Ok(x) => x,
        Err(e) => return Ok(ok(&error_body(&e, &qid))),
    };
    let r = out.result;
    let total = r.rows.len();
    let rowtype = rowtype(&r);
    let stmt_type = statement_type(&r);
    let mut rows = r.rows;
    let mut data = json!({
        "queryId": qid, "queryResultFormat": "json", "rowtype": rowtype,
        "total": total, "returned": total,
        "parameters": session_parameters(),
        "finalDatabaseName": sess.database, "finalSchemaName": sess.schema,
        "finalWarehouseName": sess.warehouse, "finalRoleName": sess.role,
        "statementTypeId": stmt_type,
    });
    let chunk_rows = state.config.chunk_rows;
    if chunk_rows > 0 && rows.len() > chunk_rows {
        // First chunk inline, the rest as downloadable chunks.
        let rest = rows.split_off(chunk_rows);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let base = state
            .base_url
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut metas = Vec::new();
        let mut bodies = Vec::new();
        for (i, part) in rest.chunks(chunk_rows).enumerate() {
            let text: Vec<String> = part
                .iter()
                .map(|row| serde_json::to_string(row).unwrap())
                .collect();
            let b = Bytes::from(text.join(","));
            metas.push(json!({
                "url": format!("{base}/emulator/chunks/{id}/{i}"), "rowCount": part.len(),
                "uncompressedSize": b.len(), "compressedSize": b.len(),
            }));
            bodies.push(b);
        }
        state
            .chunks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, bodies);
        data["chunks"] = Json::Array(metas);
        data["returned"] = json!(rows.len());
    }
    data["rowset"] = json!(rows);
    Ok(ok(
        &json!({"success": true, "code": null, "message": null, "data": data}),
    ))
}
