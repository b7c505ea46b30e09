//! Offline plan benchmark (`cargo bench --bench plan`), documented in
//! `docs/benchmarks.md`.
//!
//! Generates configurations of about 1,000, 10,000 and 50,000 resources
//! (schemas, warehouses, roles with memberships and grants) and measures, for
//! each, in a fresh child process:
//! - `parse`: reading the YAML files and `serde_yaml::from_str` into
//!   `serde_yaml::Value` (the physical floor of an offline plan);
//! - `plan (empty state)` and `plan (matching state)`: the whole offline plan
//!   as `pudo plan --format json` runs it: load, merge, expand, validate,
//!   graph, read state, diff, render to JSON;
//! - peak heap during the plan (counting allocator) and the process's peak
//!   resident memory (VmHWM).
//!
//! Then prints the ratios plan/parse and time(10k)/time(1k).
//! Sizes can be chosen with `PUDO_BENCH_SIZES=1000,10000`.

use mimalloc::MiMalloc;
use pudo::config::Project;
use pudo::environment::Resolution;
use pudo::model::StackName;
use pudo::state::StateStore;
use std::alloc::{GlobalAlloc, Layout};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes and their peak, on top of mimalloc: the allocator
/// `src/main.rs` installs, so that the benchmark measures what users run.
struct Counting;

/// Counting is switched on only for the (untimed) memory run, so that the
/// timings are not slowed by it.
static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { MiMalloc.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            if new_size > layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CHILD_VAR: &str = "PUDO_BENCH_CHILD";

/// Resources per unit: a schema, a warehouse, a role, its membership and
/// three grants (database, schema, warehouse).
const PER_UNIT: usize = 7;

fn main() {
    if let Ok(dir) = std::env::var(CHILD_VAR) {
        child(Path::new(&dir));
        return;
    }
    // `PUDO_BENCH_GENERATE=DIR:SIZE` only writes a configuration (to profile
    // the child with `perf record`, say).
    if let Some((dir, size)) = std::env::var("PUDO_BENCH_GENERATE")
        .ok()
        .as_deref()
        .and_then(|v| v.split_once(':'))
    {
        generate(Path::new(dir), size.parse().expect("SIZE is a number"));
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // special: keep that run short.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = match std::env::var("PUDO_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
        Err(_) if quick => vec![1_000],
        Err(_) => vec![1_000, 10_000, 50_000],
    };

    println!("pudo offline plan benchmark (each size in a fresh process)\n");
    println!(
        "{:>9} {:>9} {:>10} {:>11} {:>11} {:>9} {:>9} {:>11} {:>9}",
        "target",
        "resources",
        "yaml KiB",
        "parse",
        "plan/empty",
        "/parse",
        "plan/same",
        "heap peak",
        "VmHWM"
    );
    let mut results: Vec<(usize, Measure)> = Vec::new();
    for &size in &sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let yaml_bytes = generate(dir.path(), size);
        let output = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env(CHILD_VAR, dir.path())
            .output()
            .expect("run the measuring child");
        if !output.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            panic!("child failed for size {size}");
        }
        let m = Measure::parse(&String::from_utf8_lossy(&output.stdout));
        println!(
            "{:>9} {:>9} {:>10} {:>11} {:>11} {:>8.2}x {:>9} {:>11} {:>9}",
            size,
            m.resources,
            yaml_bytes / 1024,
            ms(m.parse),
            ms(m.plan_empty),
            m.plan_empty.as_secs_f64() / m.parse.as_secs_f64(),
            ms(m.plan_matching),
            mib(m.heap_peak),
            mib(m.hwm_kib * 1024),
        );
        results.push((size, m));
    }
    println!();
    for (size, m) in &results {
        for phase in &m.phases {
            println!("{size:>6} {phase}");
        }
    }
    println!();
    for (size, m) in &results {
        println!(
            "{size:>6}: plan/parse = {:.2}x (empty state), {:.2}x (matching state)",
            m.plan_empty.as_secs_f64() / m.parse.as_secs_f64(),
            m.plan_matching.as_secs_f64() / m.parse.as_secs_f64()
        );
    }
    let at = |n: usize| results.iter().find(|(s, _)| *s == n).map(|(_, m)| m);
    if let (Some(small), Some(big)) = (at(1_000), at(10_000)) {
        println!(
            "time(10k)/time(1k): parse {:.2}, plan (empty) {:.2}, plan (matching) {:.2}  [target <= 12]",
            big.parse.as_secs_f64() / small.parse.as_secs_f64(),
            big.plan_empty.as_secs_f64() / small.plan_empty.as_secs_f64(),
            big.plan_matching.as_secs_f64() / small.plan_matching.as_secs_f64()
        );
        println!(
            "10k: plan within 3x parse: {}; peak memory < 150 MB: {}",
            if big.plan_empty.as_secs_f64() <= 3.0 * big.parse.as_secs_f64() {
                "yes"
            } else {
                "NO"
            },
            if big.hwm_kib * 1024 < 150 * 1024 * 1024 {
                "yes"
            } else {
                "NO"
            }
        );
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Writes `environments/base.yaml` (+ a DEV override) with about `size`
/// resources in the DEV stack. Returns the YAML size in bytes.
fn generate(root: &Path, size: usize) -> usize {
    let units = size.div_ceil(PER_UNIT);
    let mut base = String::with_capacity(units * 600);
    base.push_str(
        "# Generated by benches/plan.rs\n\
         environments:\n  DEV: { branches: [dev] }\n\n\
         vars:\n  warehouse_size: XSMALL\n  auto_suspend: 300\n\n\
         databases:\n  BENCH_${env}:\n    comment: Benchmark database\n    schemas:\n",
    );
    for i in 0..units {
        base.push_str(&format!(
            "      S_{i:05}: {{ comment: \"Schema {i} of the benchmark\", data_retention_time_in_days: 1 }}\n"
        ));
    }
    base.push_str("\nwarehouses:\n");
    for i in 0..units {
        base.push_str(&format!(
            "  WH_{i:05}_${{env}}:\n    size: \"${{var.warehouse_size}}\"\n    auto_suspend: \"${{var.auto_suspend}}\"\n    auto_resume: true\n    comment: \"Warehouse {i} for ${{env}}\"\n"
        ));
    }
    base.push_str("\nroles:\n");
    for i in 0..units {
        base.push_str(&format!(
            "  R_{i:05}_${{env}}:\n    comment: \"Role {i}\"\n    member_of: [SYSADMIN]\n    grants:\n      - {{ on: \"database BENCH_${{env}}\", privileges: [USAGE] }}\n      - {{ on: \"schema BENCH_${{env}}.S_{i:05}\", privileges: [USAGE, CREATE TABLE] }}\n      - {{ on: \"warehouse WH_{i:05}_${{env}}\", privileges: [USAGE, OPERATE] }}\n"
        ));
    }
    let over = "# DEV: only what differs\nvars:\n  auto_suspend: 60\n";
    std::fs::create_dir_all(root.join("environments")).unwrap();
    std::fs::write(root.join("environments/base.yaml"), &base).unwrap();
    std::fs::write(root.join("environments/dev.override.yaml"), over).unwrap();
    base.len() + over.len()
}

#[derive(Default)]
struct Measure {
    resources: usize,
    parse: Duration,
    plan_empty: Duration,
    plan_matching: Duration,
    heap_peak: usize,
    hwm_kib: usize,
    phases: Vec<String>,
}

impl Measure {
    fn parse(text: &str) -> Measure {
        let mut m = Measure::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            if k.starts_with("phases_") {
                m.phases
                    .push(format!("{}: {v}", k.trim_start_matches("phases_")));
                continue;
            }
            let n: u128 = v.trim().parse().unwrap_or(0);
            match k.trim() {
                "resources" => m.resources = n as usize,
                "parse_ns" => m.parse = Duration::from_nanos(n as u64),
                "plan_empty_ns" => m.plan_empty = Duration::from_nanos(n as u64),
                "plan_matching_ns" => m.plan_matching = Duration::from_nanos(n as u64),
                "heap_peak" => m.heap_peak = n as usize,
                "hwm_kib" => m.hwm_kib = n as usize,
                _ => {}
            }
        }
        m
    }
}

/// The median of `reps` runs of `f`.
fn median(reps: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// The whole offline plan, as `pudo plan -e DEV --format json` runs it
/// (minus git branch lookup): returns the JSON length and change count.
fn offline_plan(root: &Path, resolution: &Resolution) -> (usize, usize) {
    let project = Project::load(root).expect("bench config loads");
    let model = project
        .resolve(&resolution.stack)
        .expect("bench config resolves");
    let plan = pudo::commands::plan_cmd::build(root, &model, resolution).expect("plan");
    let json = pudo::render::plan(&plan, pudo::cli::OutputFormat::Json);
    std::hint::black_box(&json);
    (json.len(), plan.changes.len())
}

/// Records every change of the plan in the state, as an apply would.
fn record_all(root: &Path, resolution: &Resolution) {
    let project = Project::load(root).unwrap();
    let model = project.resolve(&resolution.stack).unwrap();
    let plan = pudo::commands::plan_cmd::build(root, &model, resolution).unwrap();
    let store = StateStore::new(root, &resolution.stack);
    let mut locked = store.lock("bench").unwrap();
    let mut state = locked.load().unwrap();
    for change in &plan.changes {
        pudo::apply::record(&mut state, change);
    }
    locked.save(&mut state).unwrap();
}

fn child(root: &Path) {
    // `PUDO_BENCH_REPEAT=N` only runs the plan N times (for `perf record`),
    // against an empty state, or a matching one with
    // `PUDO_BENCH_STATE=matching`.
    if let Some(n) = std::env::var("PUDO_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let resolution = Resolution {
            branch: None,
            branch_environment: None,
            environment: Some("DEV".into()),
            stack: StackName::for_environment("DEV"),
            from_flag: true,
        };
        let matching = std::env::var("PUDO_BENCH_STATE").is_ok_and(|v| v == "matching");
        if matching {
            record_all(root, &resolution);
        }
        for _ in 0..n {
            let start = Instant::now();
            offline_plan(root, &resolution);
            eprintln!("{:.1} ms", start.elapsed().as_secs_f64() * 1e3);
        }
        if matching {
            std::fs::remove_file(root.join("state/dev.json")).unwrap();
        }
        return;
    }
    let files: Vec<std::path::PathBuf> = vec![
        root.join("environments/base.yaml"),
        root.join("environments/dev.override.yaml"),
    ];
    let stack = StackName::for_environment("DEV");
    let resolution = Resolution {
        branch: None,
        branch_environment: None,
        environment: Some("DEV".into()),
        stack: stack.clone(),
        from_flag: true,
    };
    let size = std::fs::metadata(&files[0]).map(|m| m.len()).unwrap_or(0);
    let reps = if size > 4_000_000 { 1 } else { 5 };

    // Warm the page cache and the code once.
    let (_, changes) = offline_plan(root, &resolution);

    let parse = median(reps, || {
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
            std::hint::black_box(value);
        }
    });

    let plan_empty = median(reps, || {
        offline_plan(root, &resolution);
    });

    // Heap peak of one plan, counted apart from the timed runs. Frees of
    // blocks allocated before counting started may drive LIVE below zero:
    // it wraps, so measure from a baseline of half the range.
    LIVE.store(usize::MAX / 2, Ordering::Relaxed);
    PEAK.store(usize::MAX / 2, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    offline_plan(root, &resolution);
    COUNTING.store(false, Ordering::Relaxed);
    let heap_peak = PEAK.load(Ordering::Relaxed) - usize::MAX / 2;

    // Record everything, as an apply would, then plan again.
    record_all(root, &resolution);
    let plan_matching = median(reps, || {
        let (_, n) = offline_plan(root, &resolution);
        assert_eq!(n, 0, "a matching state gives an empty plan");
    });

    // Where the time goes (one run against the matching state, one against
    // the empty state), phase by phase.
    let phases = |label: &str| {
        let t = Instant::now();
        let project = Project::load(root).unwrap();
        let load = t.elapsed();
        let t = Instant::now();
        let model = project.resolve(&stack).unwrap();
        let resolve = t.elapsed();
        let t = Instant::now();
        let recorded = StateStore::new(root, &stack).load().unwrap();
        let state_read = t.elapsed();
        let t = Instant::now();
        let plan = pudo::plan::diff(&model, &stack, &recorded, None).unwrap();
        let diff = t.elapsed();
        let t = Instant::now();
        let json = plan.to_json();
        let render = t.elapsed();
        std::hint::black_box(json);
        println!(
            "phases_{label}=load {:.1} ms, resolve (merge+expand+validate) {:.1} ms, state read {:.1} ms, graph+diff+sql {:.1} ms, json {:.1} ms",
            load.as_secs_f64() * 1e3,
            resolve.as_secs_f64() * 1e3,
            state_read.as_secs_f64() * 1e3,
            diff.as_secs_f64() * 1e3,
            render.as_secs_f64() * 1e3
        );
    };
    phases("matching");
    std::fs::remove_file(root.join("state/dev.json")).unwrap();
    phases("empty");

    let hwm_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0usize);

    println!("resources={changes}");
    println!("parse_ns={}", parse.as_nanos());
    println!("plan_empty_ns={}", plan_empty.as_nanos());
    println!("plan_matching_ns={}", plan_matching.as_nanos());
    println!("heap_peak={heap_peak}");
    println!("hwm_kib={hwm_kib}");
}
