//! Starting the snowflake-emulator for end-to-end tests, and talking to it
//! independently of pudo (raw SQL through snowflake-connector-rs, and the
//! emulator's control endpoints).
//!
//! The binary comes from `PUDO_EMULATOR_BIN`, else `target/debug`. When it
//! is missing the tests fail in CI (`CI` or `PUDO_REQUIRE_EMULATOR` set) and
//! are skipped elsewhere with a printed reason.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const USER: &str = "admin";
pub const PASSWORD: &str = "admin";

pub struct Emulator {
    child: Child,
    pub host: String,
    pub port: u16,
    /// The password logins must use (`--password`, else the default).
    pub password: String,
    runtime: tokio::runtime::Runtime,
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PUDO_EMULATOR_BIN") {
        return Some(PathBuf::from(path));
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/debug/snowflake-emulator");
    path.exists().then_some(path)
}

fn required() -> bool {
    std::env::var_os("PUDO_REQUIRE_EMULATOR").is_some() || std::env::var_os("CI").is_some()
}

/// The shipped example's CI user and the password `--login` gives it.
pub const CI_USER: &str = "PUDO_CI";
pub const CI_PASSWORD: &str = "ci";

impl Emulator {
    /// Starts an emulator on a free port with extra `args`; `None` (after
    /// printing why) when it is not built and this is not CI.
    pub fn start(args: &[&str]) -> Option<Emulator> {
        let Some(bin) = binary().filter(|p| p.exists()) else {
            let reason = "snowflake-emulator binary not found (run `cargo build --workspace` or set PUDO_EMULATOR_BIN)";
            if required() {
                panic!("{reason}; end-to-end tests cannot be skipped in CI");
            }
            eprintln!("SKIPPED: {reason}");
            return None;
        };
        let mut child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", "0"])
            // The example's CI user (declared in its shared stack) may log
            // in once the shared stack created it.
            .args(["--login", &format!("{CI_USER}:{CI_PASSWORD}")])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line from the emulator: {line:?}"));
        let (host, port) = addr.rsplit_once(':').unwrap();
        let password = args
            .iter()
            .position(|a| *a == "--password")
            .and_then(|i| args.get(i + 1))
            .map_or(PASSWORD.to_string(), |p| p.to_string());
        Some(Emulator {
            password,
            child,
            host: host.to_string(),
            port: port.parse().unwrap(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The variables that point pudo at this emulator.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SNOWFLAKE_URL", self.url()),
            ("SNOWFLAKE_ACCOUNT", "pudo_test".to_string()),
            ("SNOWFLAKE_USER", USER.to_string()),
            ("SNOWFLAKE_PASSWORD", self.password.clone()),
        ]
    }

    /// The variables that point pudo at this emulator as the shipped
    /// example's CI user (`PUDO_CI`: SYSADMIN and SECURITYADMIN, no
    /// ACCOUNTADMIN), once its shared stack has created it.
    pub fn ci_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SNOWFLAKE_URL", self.url()),
            ("SNOWFLAKE_ACCOUNT", "pudo_test".to_string()),
            ("SNOWFLAKE_USER", CI_USER.to_string()),
            ("SNOWFLAKE_PASSWORD", CI_PASSWORD.to_string()),
        ]
    }

    /// Runs SQL through snowflake-connector-rs directly (not through pudo)
    /// and returns rows as maps from column name to text.
    pub fn sql(
        &self,
        sql: &str,
    ) -> Result<Vec<std::collections::BTreeMap<String, Option<String>>>, String> {
        use snowflake_connector_rs as sf;
        self.runtime.block_on(async {
            let config = sf::ClientConfig::new(
                USER,
                "pudo_test",
                sf::AuthConfig::password(self.password.clone()),
            )
            .with_endpoint(sf::EndpointConfig::custom_base_url(
                url::Url::parse(&self.url()).unwrap(),
            ));
            let client = sf::Client::new(config).map_err(|e| e.to_string())?;
            let session = client.create_session().await.map_err(|e| e.to_string())?;
            let rows: Vec<sf::DynamicRow> = session
                .query(sql.to_string())
                .await
                .map_err(|e| e.to_string())?
                .collect()
                .await
                .map_err(|e| e.to_string())?;
            Ok(rows
                .into_iter()
                .map(|row| {
                    let schema = row.schema().clone();
                    schema
                        .columns()
                        .iter()
                        .zip(row.values())
                        .map(|(c, v)| {
                            let text = match v {
                                sf::CellValue::Null => None,
                                sf::CellValue::String(s) => Some(s.to_string()),
                                other => Some(other_to_string(other)),
                            };
                            (c.name().to_string(), text)
                        })
                        .collect()
                })
                .collect())
        })
    }

    /// Names in the `name` column of a SHOW.
    pub fn names(&self, show: &str) -> Vec<String> {
        self.sql(show)
            .unwrap_or_else(|e| panic!("{show}: {e}"))
            .into_iter()
            .filter_map(|r| r.get("name").cloned().flatten())
            .collect()
    }

    /// GET/POST/DELETE on a control endpoint; returns the body.
    pub fn control(&self, method: &str, path: &str, body: Option<&str>) -> String {
        let mut stream = TcpStream::connect((self.host.as_str(), self.port)).unwrap();
        let body = body.unwrap_or("");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host,
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, rest) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(
            head.starts_with("HTTP/1.1 2"),
            "{method} {path} failed: {head}"
        );
        if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(rest)
        } else {
            rest.to_string()
        }
    }

    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_str(&self.control("GET", "/emulator/stats", None)).unwrap()
    }

    pub fn statements(&self) -> u64 {
        self.stats()["statements"].as_u64().unwrap()
    }
}

fn other_to_string(v: &snowflake_connector_rs::CellValue) -> String {
    use snowflake_connector_rs::CellValue;
    match v {
        CellValue::Boolean(b) => b.to_string(),
        CellValue::Integer(i) => i.to_string(),
        CellValue::Float(f) => f.to_string(),
        CellValue::Decimal(d) => d.raw().to_string(),
        other => format!("{other:?}"),
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    out
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
