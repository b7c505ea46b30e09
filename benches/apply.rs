//! Apply benchmark: 1,000 resources applied to the emulator.
//!
//! Prints, in one run:
//! - wall time of `pudo apply` at `--parallelism 1` and `8` with the
//!   emulator at `--latency-ms 50` (each statement takes at least 50 ms),
//!   and their ratio (target: parallelism 8 at least 5x faster);
//! - pudo's own overhead per statement at `--latency-ms 0`: the apply's wall
//!   time minus the time the same statements take when sent one by one
//!   straight through the connector, divided by the statement count
//!   (target: under 1 ms).
//!
//! Run: `cargo build --workspace --release && cargo bench --bench apply`
//! (uses `target/release/snowflake-emulator` when present, else
//! `target/debug`, or `PUDO_EMULATOR_BIN`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const GROUPS: usize = 200; // x 5 resources = 1,000

fn main() {
    let Some(emulator_bin) = emulator_binary() else {
        eprintln!(
            "SKIPPED: snowflake-emulator binary not found; run `cargo build --workspace --release` first"
        );
        return;
    };
    println!("apply benchmark: {} resources in stack `dev`", GROUPS * 5);
    println!("emulator: {}", emulator_bin.display());

    let slow_1 = timed_apply(&emulator_bin, 50, 1);
    let slow_8 = timed_apply(&emulator_bin, 50, 8);
    println!(
        "latency 50 ms: parallelism 1 {:>8.2} s, parallelism 8 {:>8.2} s, ratio {:.2}x (target >= 5x)",
        slow_1.wall.as_secs_f64(),
        slow_8.wall.as_secs_f64(),
        slow_1.wall.as_secs_f64() / slow_8.wall.as_secs_f64()
    );

    let fast = timed_apply(&emulator_bin, 0, 1);
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

struct Timed {
    wall: Duration,
    statements: Vec<String>,
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

/// A project whose DEV stack holds GROUPS x (schema, warehouse, role, grant,
/// role membership).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from(
        "environments:\n  DEV: { branches: [dev] }\n  PROD: { branches: [main], protected: true }\n\
         databases:\n  BENCH_DB:\n    shared: true\n    schemas:\n",
    );
    for i in 0..GROUPS {
        yaml.push_str(&format!(
            "      S{i:04}_${{env}}: {{ comment: schema {i} }}\n"
        ));
    }
    yaml.push_str("warehouses:\n");
    for i in 0..GROUPS {
        yaml.push_str(&format!(
            "  WH{i:04}_${{env}}: {{ size: XSMALL, auto_suspend: 60, auto_resume: true }}\n"
        ));
    }
    yaml.push_str("roles:\n");
    for i in 0..GROUPS {
        yaml.push_str(&format!(
            "  R{i:04}_${{env}}:\n    member_of: [SYSADMIN]\n    grants:\n      - {{ on: \"warehouse WH{i:04}_${{env}}\", privileges: [USAGE] }}\n"
        ));
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

/// Applies the shared stack (untimed), then times `apply -e dev`.
fn timed_apply(bin: &Path, latency_ms: u64, parallelism: usize) -> Timed {
    let emu = Emulator::start(bin, latency_ms);
    let dir = project();
    pudo(
        dir.path(),
        &emu,
        &["apply", "-e", "shared", "--auto-approve"],
    );
    let plan = pudo(dir.path(), &emu, &["plan", "-e", "dev", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let statements: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["sql"].as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let started = Instant::now();
    pudo(
        dir.path(),
        &emu,
        &[
            "apply",
            "-e",
            "dev",
            "--auto-approve",
            "--parallelism",
            &parallelism.to_string(),
        ],
    );
    let wall = started.elapsed();
    let again = pudo(
        dir.path(),
        &emu,
        &["plan", "-e", "dev", "--detailed-exitcode"],
    );
    assert!(again.status.success(), "plan after apply is empty");
    Timed { wall, statements }
}

/// The same statements, one session, sent straight through the connector to
/// a fresh emulator (after creating the shared database they need).
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
        session
            .query("CREATE DATABASE BENCH_DB")
            .await
            .unwrap()
            .collect_table()
            .await
            .unwrap();
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
