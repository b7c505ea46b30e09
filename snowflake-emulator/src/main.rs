//! `snowflake-emulator` binary: parse flags, bind, print the listening line, serve.

use clap::Parser;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use snowflake_emulator::faults::FaultSpec;
use snowflake_emulator::server::{Config, State, handle};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// A local Snowflake emulator for tests (see docs/emulator.md).
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to bind (loopback by default).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free port (the chosen one is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Login name accepted by password and key-pair login.
    #[arg(long, default_value = "admin")]
    user: String,
    /// Password accepted for --user.
    #[arg(long, default_value = "admin")]
    password: String,
    /// Another password login, `NAME:PASSWORD`, for a user that exists in the
    /// account (made by CREATE USER or by a tool); repeatable.
    #[arg(long = "login", value_name = "NAME:PASSWORD")]
    logins: Vec<String>,
    /// PEM file with the RSA public key for key-pair (SNOWFLAKE_JWT) login.
    #[arg(long)]
    public_key: Option<PathBuf>,
    /// Milliseconds added to every statement.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// JSON file holding the catalog across restarts (memory only without it).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Edition reported by SYSTEM$BOOTSTRAP_DATA_REQUEST.
    #[arg(long, default_value = "STANDARD")]
    edition: String,
    /// Rows per result chunk; results larger than this are split into
    /// downloadable chunks. 0 = always inline.
    #[arg(long, default_value_t = 0)]
    chunk_rows: usize,
    /// A fault to inject, as JSON (same shape as POST /emulator/faults). Repeatable.
    #[arg(long)]
    fault: Vec<String>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("snowflake-emulator: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let public_key_pem = match &args.public_key {
        Some(p) => {
            let pem = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            snowflake_emulator::jwt::parse_public_key(&pem)?;
            Some(pem)
        }
        None => None,
    };
    let faults = args
        .fault
        .iter()
        .map(|f| {
            serde_json::from_str::<FaultSpec>(f).map_err(|e| format!("invalid --fault {f}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let logins = args
        .logins
        .iter()
        .map(|l| {
            l.split_once(':')
                .map(|(n, p)| (n.to_string(), p.to_string()))
                .ok_or_else(|| format!("invalid --login {l}: write NAME:PASSWORD"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = Config {
        user: args.user,
        password: args.password,
        logins,
        public_key_pem,
        latency_ms: args.latency_ms,
        data: args.data,
        edition: args.edition.to_ascii_uppercase(),
        chunk_rows: args.chunk_rows,
        faults,
    };
    let state = Arc::new(State::new(config)?);
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .map_err(|e| format!("cannot bind {}:{}: {e}", args.host, args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let host = if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let url = format!("http://{host}:{}", addr.port());
    *state
        .base_url
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = url.clone();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {url}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(state.clone(), req));
            // A service error (fault injection) closes the connection without a response.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
