//! The crate's error type: one variant per stage, each carrying a typed
//! error from its module. Every error ends the process with exit code 1.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration problems (every one found, with file, line and key).
    #[error("{0}")]
    Config(#[from] crate::config::Diagnostics),

    #[error(transparent)]
    Environment(#[from] crate::environment::EnvironmentError),

    #[error(transparent)]
    Dotenv(#[from] crate::dotenv::DotenvError),

    #[error(transparent)]
    State(#[from] crate::state::StateError),

    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),

    #[error(transparent)]
    Graph(#[from] crate::graph::GraphError),

    #[error(transparent)]
    Connector(#[from] crate::connector::ConnectorError),

    /// The user asked for something that cannot be done as asked.
    #[error("{message}{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    Usage {
        message: String,
        hint: Option<String>,
    },

    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage_with_hint(message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
