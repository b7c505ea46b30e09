//! Apply benchmark: the "real scale" set, 1,300 statements, applied to the
//! emulator at `--latency-ms 50` with pudo's default settings.
//!
//! The DEV stack holds a database, 300 schemas in it, 300 warehouses, 50
//! roles (49 of them members of SYSADMIN) and their grants (each role:
//! USAGE on the database, on 6 schemas and on 5 warehouses): 1,300
//! statements, the longest dependency chain 3 statements deep (database,
//! schema, grant on the schema). Each run prints, from the plan and the
//! emulator's counters (not timed by a test harness):
//! - statements sent, wall time of the whole `pudo apply` process;
//! - the floor: max(statements x latency / parallelism, critical path x
//!   latency), and the wall time's ratio to it (target <= 1.5x);
//! - achieved concurrency: statements x latency / wall time;
//! - against SnowDDL's 6.2 s on the same set (target: at least 2x faster,
//!   under 3.1 s).
//!
//! Then pudo's own overhead per statement at `--latency-ms 0` (the apply's
//! wall time minus the same statements sent one by one straight through
//! the connector, per statement; target under 1 ms).
//!
//! Environment: `PUDO_BENCH_RUNS` (default 3) runs at the default;
//! `PUDO_BENCH_PARALLELISM=8,16,32,64` adds runs at those `--parallelism`
//! values (the measurement the default was chosen from);
//! `PUDO_BENCH_STATE_RUNS` (default 3) pairs of runs with the state in
//! local files and in Snowflake (`state: { backend: snowflake }`), each
//! pair's wall times and the statements the Snowflake backend added, then
//! the median;
//! `PUDO_BENCH_FAULTS='[{"action": "429", "count": 100, "nth": null}]'`
//! sets emulator faults (docs/emulator.md) before each timed apply, to see
//! what overload costs (the statement counts then include the refused ones).
//!
//! Run: `cargo build --workspace --release && cargo bench --bench apply`
//! (uses `target/release/snowflake-emulator` when present, else
//! `target/debug`, or `PUDO_EMULATOR_BIN`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCHEMAS: usize = 300;
const WAREHOUSES: usize = 300;
const ROLES: usize = 50;
const LATENCY_MS: u64 = 50;
/// SnowDDL (32 workers) on the same set and emulator settings, per the issue.
const SNOWDDL_SECS: f64 = 6.2;

fn main() {
    let Some(emulator_bin) = emulator_binary() else {
        eprintln!(
            "SKIPPED: snowflake-emulator binary not found; run `cargo build --workspace --release` first"
        );
        return;
    };
    println!(
        "apply benchmark: stack `dev` of {SCHEMAS} schemas, {WAREHOUSES} warehouses, {ROLES} roles and their grants, emulator at --latency-ms {LATENCY_MS}"
    );
    println!("emulator: {}", emulator_bin.display());
    let default = default_parallelism();
    println!("default --parallelism: {default}");
    let runs: usize = std::env::var("PUDO_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut settings: Vec<Option<usize>> = vec![None; runs];
    if let Ok(list) = std::env::var("PUDO_BENCH_PARALLELISM") {
        settings.extend(
            list.split(',')
                .filter_map(|p| p.trim().parse().ok())
                .map(Some),
        );
    }
    for parallelism in settings {
        let t = timed_apply(&emulator_bin, LATENCY_MS, parallelism);
        let p = parallelism.unwrap_or(default);
        let latency = LATENCY_MS as f64 / 1000.0;
        let by_width = t.sent as f64 * latency / p as f64;
        let by_depth = t.critical_path as f64 * latency;
        let floor = by_width.max(by_depth);
        let wall = t.wall.as_secs_f64();
        println!(
            "parallelism {p:>2}{}: {} statements planned, {} sent, critical path {} statements; wall {wall:.2} s; floor {floor:.2} s ({} x {LATENCY_MS} ms / {p}), ratio {:.2}x (target <= 1.5x); achieved concurrency {:.1}; {:.2}x faster than SnowDDL's {SNOWDDL_SECS} s (target >= 2x)",
            if parallelism.is_none() {
                " (default)"
            } else {
                ""
            },
            t.statements.len(),
            t.sent,
            t.critical_path,
            t.sent,
            wall / floor,
            t.sent as f64 * latency / wall,
            SNOWDDL_SECS / wall,
        );
    }

    // The state backends side by side, at the default: pairs of runs
    // (local, then snowflake, each on a fresh emulator), then the median.
    let pairs: usize = std::env::var("PUDO_BENCH_STATE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut added = Vec::new();
    for pair in 1..=pairs {
        let local = timed_apply_with(&emulator_bin, LATENCY_MS, None, false);
        let remote = timed_apply_with(&emulator_bin, LATENCY_MS, None, true);
        let changes = local.changes;
        // The DDL is the same; the queries and DML the Snowflake backend
        // sends on top are its statements on state.
        let on_state = remote.queries.saturating_sub(local.queries);
        let ratio = remote.wall.as_secs_f64() / local.wall.as_secs_f64() - 1.0;
        added.push(ratio);
        println!(
            "state backend, pair {pair}: local {:.2} s, {} statements sent; snowflake {:.2} s, {} statements sent: {:+.0}% wall time (target <= +30%), {on_state} statements on state for {changes} changes ({:.3} per change)",
            local.wall.as_secs_f64(),
            local.sent,
            remote.wall.as_secs_f64(),
            remote.sent,
            ratio * 100.0,
            on_state as f64 / changes as f64,
        );
    }
    if !added.is_empty() {
        added.sort_by(f64::total_cmp);
        println!(
            "state backend: median {:+.0}% wall time over {pairs} pairs (lowest {:+.0}%, highest {:+.0}%; target <= +30%)",
            added[added.len() / 2] * 100.0,
            added[0] * 100.0,
            added[added.len() - 1] * 100.0,
        );
    }

    let fast = timed_apply(&emulator_bin, 0, Some(1));
    let raw = raw_statements(&emulator_bin, &fast.statements);
    let overhead_ms =
        (fast.wall.as_secs_f64() - raw.as_secs_f64()) * 1000.0 / fast.statements.len() as f64;
    println!(
        "latency 0 ms, parallelism 1: pudo apply {:.3} s for {} statements; the same statements sent directly {:.3} s",
        fast.wall.as_secs_f64(),
        fast.statements.len(),
        raw.as_secs_f64()
    );
    println!(
        "pudo overhead per statement: {overhead_ms:.3} ms (target < 1 ms; includes process start, config load, plan and state saves)"
    );
}

/// The default of `pudo apply --parallelism`, from `pudo apply --help`.
fn default_parallelism() -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_pudo"))
        .args(["apply", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let at = help
        .find("--parallelism")
        .expect("--parallelism in apply --help");
    let rest = &help[at..];
    let value = rest
        .split("[default: ")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .expect("a default for --parallelism");
    value.trim().parse().unwrap()
}

struct Timed {
    wall: Duration,
    /// The planned statements, in plan order.
    statements: Vec<String>,
    /// The planned changes.
    changes: usize,
    /// Statements the emulator received during the timed apply.
    sent: u64,
    /// Queries and DML among them (preflight checks, state).
    queries: u64,
    /// The longest dependency chain, in statements.
    critical_path: usize,
}

fn emulator_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PUDO_EMULATOR_BIN") {
        return Some(PathBuf::from(p));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        "target/release/snowflake-emulator",
        "target/debug/snowflake-emulator",
    ]
    .iter()
    .map(|p| root.join(p))
    .find(|p| p.exists())
}

struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    /// A control request (`/emulator/...`); returns the body.
    fn control(&self, method: &str, path: &str, body: &str) -> String {
        let addr = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(head.starts_with("HTTP/1.1 2"), "{method} {path}: {head}");
        body.to_string()
    }

    /// Statements received since the last reset: all of them, and the
    /// queries and DML among them (`select` and `other` in the emulator's
    /// counts; the state backend's statements are all of that sort).
    fn statements(&self) -> (u64, u64) {
        let body = self.control("GET", "/emulator/stats", "");
        // The body may be chunked: take the JSON object inside.
        let json = &body[body.find('{').unwrap()..=body.rfind('}').unwrap()];
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let kind = |k: &str| v["by_kind"][k].as_u64().unwrap();
        (
            v["statements"].as_u64().unwrap(),
            kind("select") + kind("other"),
        )
    }
}

impl Emulator {
    fn start(bin: &Path, latency_ms: u64) -> Emulator {
        let mut child = Command::new(bin)
            .args(["--port", "0", "--latency-ms", &latency_ms.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("emulator starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().trim_start_matches("listening on ").to_string();
        Emulator { child, url }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The DEV stack: BENCH_DB_DEV, SCHEMAS schemas in it, WAREHOUSES
/// warehouses, ROLES roles (all but the last members of SYSADMIN), each
/// role with USAGE on the database, on 6 schemas and on 5 warehouses.
fn project(snowflake_state: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from(
        "environments:\n  DEV: { branches: [dev] }\n  PROD: { branches: [main], protected: true }\n",
    );
    if snowflake_state {
        yaml.push_str("state: { backend: snowflake, database: PUDO_ADMIN, schema: STATE }\n");
    }
    yaml.push_str("databases:\n  BENCH_DB_${env}:\n    schemas:\n");
    for i in 0..SCHEMAS {
        yaml.push_str(&format!(
            "      S{i:04}_${{env}}: {{ comment: schema {i} }}\n"
        ));
    }
    yaml.push_str("warehouses:\n");
    for i in 0..WAREHOUSES {
        yaml.push_str(&format!(
            "  WH{i:04}_${{env}}: {{ size: XSMALL, auto_suspend: 60, auto_resume: true }}\n"
        ));
    }
    yaml.push_str("roles:\n");
    for r in 0..ROLES {
        yaml.push_str(&format!("  R{r:02}_${{env}}:\n"));
        if r + 1 < ROLES {
            yaml.push_str("    member_of: [SYSADMIN]\n");
        }
        yaml.push_str(
            "    grants:\n      - { on: \"database BENCH_DB_${env}\", privileges: [USAGE] }\n",
        );
        for k in 0..6 {
            let s = (r * 6 + k) % SCHEMAS;
            yaml.push_str(&format!(
                "      - {{ on: \"schema BENCH_DB_${{env}}.S{s:04}_${{env}}\", privileges: [USAGE] }}\n"
            ));
        }
        for k in 0..5 {
            let w = (r * 5 + k) % WAREHOUSES;
            yaml.push_str(&format!(
                "      - {{ on: \"warehouse WH{w:04}_${{env}}\", privileges: [USAGE] }}\n"
            ));
        }
    }
    std::fs::create_dir_all(dir.path().join("environments")).unwrap();
    std::fs::write(dir.path().join("environments/base.yaml"), yaml).unwrap();
    let ok = Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(dir.path())
        .status()
        .unwrap()
        .success();
    assert!(ok, "git init");
    dir
}

fn pudo(dir: &Path, emu: &Emulator, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_pudo"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SNOWFLAKE_URL", &emu.url)
        .env("SNOWFLAKE_ACCOUNT", "bench")
        .env("SNOWFLAKE_USER", "admin")
        .env("SNOWFLAKE_PASSWORD", "admin")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pudo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Applies the shared stack (untimed, nothing in it here), then times
/// `apply -e dev` at `parallelism` (`None`: the default).
fn timed_apply(bin: &Path, latency_ms: u64, parallelism: Option<usize>) -> Timed {
    timed_apply_with(bin, latency_ms, parallelism, false)
}

/// [`timed_apply`], with the recorded state kept in Snowflake
/// (`state: { backend: snowflake }`, after `pudo state init`) when
/// `snowflake_state`.
fn timed_apply_with(
    bin: &Path,
    latency_ms: u64,
    parallelism: Option<usize>,
    snowflake_state: bool,
) -> Timed {
    let emu = Emulator::start(bin, latency_ms);
    let dir = project(snowflake_state);
    if snowflake_state {
        pudo(dir.path(), &emu, &["state", "init"]);
    }
    pudo(
        dir.path(),
        &emu,
        &["apply", "-e", "shared", "--auto-approve"],
    );
    let plan = pudo(dir.path(), &emu, &["plan", "-e", "dev", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let statements: Vec<String> = changes
        .iter()
        .flat_map(|c| c["sql"].as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    // Changes come in execution order: each after its dependencies.
    let mut depth = std::collections::HashMap::new();
    let mut critical_path = 0;
    for c in changes {
        let own = c["sql"].as_array().unwrap().len();
        let before = c["depends_on"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| depth.get(d.as_str().unwrap()).copied())
            .max()
            .unwrap_or(0);
        depth.insert(c["address"].as_str().unwrap().to_string(), before + own);
        critical_path = critical_path.max(before + own);
    }
    let p = parallelism.map(|p| p.to_string());
    let mut args = vec!["apply", "-e", "dev", "--auto-approve"];
    if let Some(p) = &p {
        args.extend(["--parallelism", p.as_str()]);
    }
    emu.control("POST", "/emulator/stats/reset", "");
    if let Ok(faults) = std::env::var("PUDO_BENCH_FAULTS")
        && latency_ms > 0
    {
        emu.control("POST", "/emulator/faults", &faults);
    }
    let started = Instant::now();
    pudo(dir.path(), &emu, &args);
    let wall = started.elapsed();
    let (sent, queries) = emu.statements();
    let again = pudo(
        dir.path(),
        &emu,
        &["plan", "-e", "dev", "--detailed-exitcode"],
    );
    assert!(again.status.success(), "plan after apply is empty");
    Timed {
        wall,
        statements,
        changes: changes.len(),
        sent,
        queries,
        critical_path,
    }
}

/// The same statements, one session, sent straight through the connector to
/// a fresh emulator.
fn raw_statements(bin: &Path, statements: &[String]) -> Duration {
    use snowflake_connector_rs as sf;
    let emu = Emulator::start(bin, 0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = sf::ClientConfig::new("admin", "bench", sf::AuthConfig::password("admin"))
            .with_endpoint(sf::EndpointConfig::custom_base_url(
                url::Url::parse(&emu.url).unwrap(),
            ));
        let client = sf::Client::new(config).unwrap();
        let session = client.create_session().await.unwrap();
        let started = Instant::now();
        for sql in statements {
            session
                .query(sql.clone())
                .await
                .unwrap()
                .collect_table()
                .await
                .unwrap();
        }
        started.elapsed()
    })
}
