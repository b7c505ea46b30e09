//! Shared helpers: start the emulator binary on a free port, connect the Rust
//! connector to it, and talk to its control endpoints.

#![allow(dead_code)]

use snowflake_connector_rs::{
    AuthConfig, Client, ClientConfig, DynamicRow, EndpointConfig, Session,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

pub struct Emulator {
    child: Child,
    pub url: String,
    pub port: u16,
}

impl Emulator {
    pub fn start(extra: &[&str]) -> Emulator {
        // SNOWFLAKE_EMULATOR_BIN lets the benchmark measure another build (e.g. --release).
        let bin = std::env::var("SNOWFLAKE_EMULATOR_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_snowflake-emulator").to_string());
        let mut child = Command::new(bin)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("emulator starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("listening line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening line format")
            .to_string();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Emulator { child, url, port }
    }

    pub fn client(&self, user: &str, auth: AuthConfig) -> Client {
        let config = ClientConfig::new(user, "testacct", auth).with_endpoint(
            EndpointConfig::custom_base_url(url::Url::parse(&self.url).unwrap()),
        );
        Client::new(config).unwrap()
    }

    pub async fn session(&self) -> Session {
        self.client("admin", AuthConfig::password("admin"))
            .create_session()
            .await
            .expect("login")
    }

    /// A raw HTTP request to a control endpoint; returns (status, body).
    pub fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        self.http_auth(method, path, None, body)
    }

    /// A raw HTTP request with an optional `Snowflake Token="..."` authorization.
    pub fn http_auth(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let auth = token
            .map(|t| format!("Authorization: Snowflake Token=\"{t}\"\r\n"))
            .unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
        let body = out
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_str(&self.http("GET", "/emulator/stats", "").1).unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn rows(s: &Session, sql: &str) -> Vec<DynamicRow> {
    s.query(sql.to_string())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect::<Vec<DynamicRow>>()
        .await
        .unwrap()
}

/// Column names of a statement's result, in order.
pub async fn columns(s: &Session, sql: &str) -> Vec<String> {
    let table = s
        .query(sql.to_string())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect_table()
        .await
        .unwrap();
    table
        .schema()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect()
}

pub fn text(row: &DynamicRow, col: &str) -> Option<String> {
    use snowflake_connector_rs::CellValue;
    match row
        .value(col)
        .unwrap_or_else(|e| panic!("column {col}: {e}"))
    {
        CellValue::Null => None,
        CellValue::String(s) => Some(s.clone()),
        CellValue::Integer(i) => Some(i.to_string()),
        CellValue::Boolean(b) => Some(b.to_string()),
        other => Some(format!("{other:?}")),
    }
}

pub async fn error_code(s: &Session, sql: &str) -> (String, String) {
    let e = match s.query(sql.to_string()).await {
        Ok(r) => match r.collect::<Vec<DynamicRow>>().await {
            Ok(_) => panic!("{sql} unexpectedly succeeded"),
            Err(e) => e,
        },
        Err(e) => e,
    };
    (
        e.snowflake_code().unwrap_or("").to_string(),
        e.snowflake_message().unwrap_or("").to_string(),
    )
}
