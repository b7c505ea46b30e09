//! [`Connector`] over `snowflake-connector-rs`. Owns a tokio runtime; each
//! call blocks on it, so callers stay synchronous and may call from several
//! threads at once.

use super::{Bind, Connector, ConnectorError, Rows, Session};
use crate::dotenv::Connection;
use snowflake_connector_rs as sf;
use std::sync::Arc;

pub struct SnowflakeConnector {
    runtime: Arc<tokio::runtime::Runtime>,
    client: sf::Client,
}

impl SnowflakeConnector {
    /// Builds a client from connection settings. Nothing is sent yet.
    pub fn new(conn: &Connection) -> Result<SnowflakeConnector, ConnectorError> {
        let settings = |message: &str, hint: &str| ConnectorError::Settings {
            message: message.to_string(),
            hint: hint.to_string(),
        };
        let account = conn.account.clone().ok_or_else(|| {
            settings(
                "SNOWFLAKE_ACCOUNT is not set",
                "set it in .env, .env.<env> or the environment (any name works with the emulator)",
            )
        })?;
        let user = conn.user.clone().ok_or_else(|| {
            settings(
                "SNOWFLAKE_USER is not set",
                "set it in .env, .env.<env> or the environment",
            )
        })?;
        let auth = if let Some(path) = &conn.private_key_path {
            let pem = std::fs::read_to_string(path).map_err(|e| {
                settings(
                    &format!(
                        "cannot read SNOWFLAKE_PRIVATE_KEY_PATH `{}`: {e}",
                        path.display()
                    ),
                    "point it at a PEM private key file",
                )
            })?;
            let key = match &conn.private_key_passphrase {
                Some(pass) => {
                    sf::KeyPairConfig::from_encrypted_pem(pem, pass.expose().as_bytes().to_vec())
                }
                None => sf::KeyPairConfig::from_pem(pem),
            };
            sf::AuthConfig::key_pair(key)
        } else if let Some(password) = &conn.password {
            sf::AuthConfig::password(password.expose().to_string())
        } else {
            return Err(settings(
                "neither SNOWFLAKE_PASSWORD nor SNOWFLAKE_PRIVATE_KEY_PATH is set",
                "set one of them (key pair: SNOWFLAKE_PRIVATE_KEY_PATH and, for an encrypted key, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE)",
            ));
        };
        let mut config = sf::ClientConfig::new(user, account, auth);
        let mut session = sf::SessionConfig::new();
        if let Some(role) = &conn.role {
            session = session.with_role(role.clone());
        }
        if let Some(wh) = &conn.warehouse {
            session = session.with_warehouse(wh.clone());
        }
        config = config.with_session(session);
        if let Some(url) = &conn.url {
            let parsed = url::Url::parse(url).map_err(|e| {
                settings(
                    &format!(
                        "SNOWFLAKE_URL `{}` is not a URL: {e}",
                        crate::dotenv::redact_url(url)
                    ),
                    "use a base URL such as http://127.0.0.1:8080",
                )
            })?;
            config = config.with_endpoint(sf::EndpointConfig::custom_base_url(parsed));
        }
        let client = sf::Client::new(config).map_err(map_error)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| ConnectorError::Other {
                message: format!("cannot start the async runtime: {e}"),
            })?;
        Ok(SnowflakeConnector {
            runtime: Arc::new(runtime),
            client,
        })
    }
}

impl Connector for SnowflakeConnector {
    fn open(&self) -> Result<Box<dyn Session>, ConnectorError> {
        let session = self
            .runtime
            .block_on(self.client.create_session())
            .map_err(map_error)?;
        Ok(Box::new(SnowflakeSession {
            runtime: self.runtime.clone(),
            session,
        }))
    }
}

struct SnowflakeSession {
    runtime: Arc<tokio::runtime::Runtime>,
    session: sf::Session,
}

impl Session for SnowflakeSession {
    fn execute(&mut self, sql: &str) -> Result<Rows, ConnectorError> {
        self.run(sf::Statement::new(sql.to_string()))
    }

    fn execute_bound(&mut self, sql: &str, binds: &[Bind]) -> Result<Rows, ConnectorError> {
        if binds.is_empty() {
            return self.execute(sql);
        }
        let mut statement = sf::Statement::new_positional(sql.to_string());
        for bind in binds {
            statement = match bind {
                Bind::Text(s) => statement.bind(s.clone()),
                Bind::Int(n) => statement.bind(*n),
                Bind::Null => statement.bind(Option::<String>::None),
            };
        }
        self.run(statement)
    }
}

impl SnowflakeSession {
    fn run<M>(&mut self, statement: sf::Statement<M>) -> Result<Rows, ConnectorError>
    where
        sf::Statement<M>: sf::IntoStatement,
    {
        self.runtime.block_on(async {
            let cursor = self.session.query(statement).await.map_err(map_error)?;
            let table = cursor.collect_table().await.map_err(map_error)?;
            let columns: Vec<String> = table
                .schema()
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect();
            let rows = table
                .rows::<RawRow>()
                .map_err(map_error)?
                .map(|r| r.map(|r| r.0))
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_error)?;
            Ok(Rows { columns, rows })
        })
    }
}

/// A row as raw wire text, whatever the column types.
struct RawRow(Vec<Option<String>>);

impl sf::FromRow for RawRow {
    type Plan = usize;

    fn build_plan(ctx: sf::RowPlanContext<'_>) -> sf::error::PlanBuildResult<Self::Plan> {
        Ok(ctx.schema().len())
    }

    fn from_row_with_plan(
        row: sf::RowRef<'_>,
        plan: &Self::Plan,
    ) -> sf::error::RowDecodeResult<Self> {
        let mut cells = Vec::with_capacity(*plan);
        for i in 0..*plan {
            cells.push(row.cell_at(i)?.raw().map(str::to_string));
        }
        Ok(RawRow(cells))
    }
}

/// Keeps Snowflake's code and message; the crate's messages carry no
/// credentials (it never echoes the login request). Causes are appended,
/// so "network error" says which address refused.
fn map_error(e: sf::Error) -> ConnectorError {
    use sf::ErrorKind;
    let with_causes = || {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.contains(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        text
    };
    match e.kind() {
        ErrorKind::Server => ConnectorError::Sql {
            code: e.snowflake_code().map(str::to_string),
            message: e
                .snowflake_message()
                .map(str::to_string)
                .unwrap_or_else(|| e.to_string()),
            query_id: e.query_id().map(str::to_string),
        },
        ErrorKind::Auth => {
            let mut message = with_causes();
            if message.contains("private key") {
                message.push_str(
                    " (check that SNOWFLAKE_PRIVATE_KEY_PATH is a PKCS#8 PEM key and, for an encrypted key, that SNOWFLAKE_PRIVATE_KEY_PASSPHRASE is right)",
                );
            }
            ConnectorError::Login { message }
        }
        ErrorKind::Network | ErrorKind::Timeout => {
            let message = with_causes();
            match http_status(&message) {
                Some((status, rest)) => ConnectorError::Unavailable {
                    status,
                    message: rest.to_string(),
                },
                None => ConnectorError::Network { message },
            }
        }
        _ => ConnectorError::Other {
            message: with_causes(),
        },
    }
}

/// The status of an HTTP error answer: the crate reports it only in its
/// message, as `HTTP 503: <body>`. Returns the status and the rest.
fn http_status(message: &str) -> Option<(u16, &str)> {
    let rest = message.strip_prefix("HTTP ")?;
    let (digits, rest) = rest.split_once(':')?;
    let status: u16 = digits.parse().ok()?;
    (400..600)
        .contains(&status)
        .then(|| (status, rest.trim_start()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_status_from_message() {
        assert_eq!(
            super::http_status("HTTP 503: {\"error\": \"x\"}"),
            Some((503, "{\"error\": \"x\"}"))
        );
        assert_eq!(
            super::http_status("HTTP 429: too many"),
            Some((429, "too many"))
        );
        assert_eq!(super::http_status("network error: connection closed"), None);
        assert_eq!(super::http_status("HTTP abc: x"), None);
    }
}
