//! Connection settings from `.env` files and the process environment.
//!
//! Files are read with dotenvy into pudo's own settings; the process
//! environment is never modified. Order, later wins: `.env`, then
//! `.env.<env>` (lower-case environment name), both from the component
//! directory (or only `--env-file`), then the process environment. Symlinks
//! are followed, as users link `projects/x/.env` to a shared hub file.
//!
//! Secrets are held in [`Secret`], whose `Debug` and `Display` print `****`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it (the connector).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// The variables pudo reads, with whether each is secret.
pub const VARIABLES: &[(&str, bool)] = &[
    ("SNOWFLAKE_ACCOUNT", false),
    ("SNOWFLAKE_USER", false),
    ("SNOWFLAKE_PASSWORD", true),
    ("SNOWFLAKE_PRIVATE_KEY_PATH", false),
    ("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", true),
    ("SNOWFLAKE_ROLE", false),
    ("SNOWFLAKE_WAREHOUSE", false),
    ("SNOWFLAKE_URL", false),
];

/// Where a setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Process,
    /// A connection of Snowflake's `connections.toml`: the file and the name.
    Toml(PathBuf, String),
    /// The configuration's `connection:` section.
    Config,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Process => f.write_str("process environment"),
            Source::Toml(path, name) => write!(f, "{} [{name}]", path.display()),
            Source::Config => f.write_str("connection: in the configuration"),
        }
    }
}

/// Connection settings for Snowflake (or the emulator).
#[derive(Clone, Debug, Default)]
pub struct Connection {
    pub account: Option<String>,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub private_key_path: Option<PathBuf>,
    pub private_key_passphrase: Option<Secret>,
    pub role: Option<String>,
    pub warehouse: Option<String>,
    /// Overrides the endpoint (`http://127.0.0.1:8080` for the emulator).
    pub url: Option<String>,
    /// Variable name -> where its value came from.
    pub sources: BTreeMap<String, Source>,
    /// Files read, in order.
    pub files: Vec<PathBuf>,
}

impl Connection {
    /// A display line per variable, secrets as set/unset only, a URL with any
    /// embedded credentials removed.
    pub fn describe(&self) -> Vec<(String, String)> {
        VARIABLES
            .iter()
            .map(|(name, secret)| {
                let value = match *name {
                    "SNOWFLAKE_ACCOUNT" => self.account.clone(),
                    "SNOWFLAKE_USER" => self.user.clone(),
                    "SNOWFLAKE_PRIVATE_KEY_PATH" => self
                        .private_key_path
                        .as_ref()
                        .map(|p| p.display().to_string()),
                    "SNOWFLAKE_ROLE" => self.role.clone(),
                    "SNOWFLAKE_WAREHOUSE" => self.warehouse.clone(),
                    "SNOWFLAKE_URL" => self.url.as_deref().map(redact_url),
                    "SNOWFLAKE_PASSWORD" => self.password.as_ref().map(|_| String::new()),
                    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE" => {
                        self.private_key_passphrase.as_ref().map(|_| String::new())
                    }
                    _ => None,
                };
                let shown = match (value, secret) {
                    (None, _) => "(unset)".to_string(),
                    (Some(_), true) => "(set)".to_string(),
                    (Some(v), false) => v,
                };
                let shown = match self.sources.get(*name) {
                    Some(source) => format!("{shown}  [{source}]"),
                    None => shown,
                };
                (name.to_string(), shown)
            })
            .collect()
    }
}

/// Removes `user:password@` from a URL before it is shown.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}****@{}", &url[..scheme_end + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DotenvError {
    #[error("cannot read `{}`: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("`{}` line {line}: cannot parse this entry (expected NAME=value)", path.display())]
    Parse { path: PathBuf, line: usize },
}

/// The files read for `env` in `dir`, in order: `.env`, `.env.<env>`.
pub fn default_files(dir: &Path, env: Option<&str>) -> Vec<PathBuf> {
    let mut files = vec![dir.join(".env")];
    if let Some(env) = env {
        files.push(dir.join(format!(".env.{}", env.to_ascii_lowercase())));
    }
    files
}

/// Reads the connection settings. `env_file`, when given, replaces the
/// default files and must exist; default files are optional.
pub fn load(
    dir: &Path,
    env: Option<&str>,
    env_file: Option<&Path>,
    process: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, DotenvError> {
    load_with_toml(dir, env, env_file, None, process)
}

/// [`load`], starting from a connection of Snowflake's `connections.toml`
/// (lowest precedence): `toml_name`, else `SNOWFLAKE_DEFAULT_CONNECTION_NAME`;
/// the file is `$SNOWFLAKE_HOME/connections.toml`, else
/// `~/.snowflake/connections.toml`. A name that is given but not found is an
/// error; no name reads nothing.
pub fn load_with_toml(
    dir: &Path,
    env: Option<&str>,
    env_file: Option<&Path>,
    toml_name: Option<&str>,
    process: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, DotenvError> {
    let (files, required) = match env_file {
        Some(file) => (vec![file.to_path_buf()], true),
        None => (default_files(dir, env), false),
    };
    let mut values: BTreeMap<String, (String, Source)> = BTreeMap::new();
    let name = toml_name
        .map(str::to_string)
        .or_else(|| process("SNOWFLAKE_DEFAULT_CONNECTION_NAME"))
        .filter(|n| !n.is_empty());
    if let Some(name) = name {
        let home = process("SNOWFLAKE_HOME")
            .map(PathBuf::from)
            .or_else(|| process("HOME").map(|h| PathBuf::from(h).join(".snowflake")));
        let path = home
            .map(|h| h.join("connections.toml"))
            .ok_or_else(|| DotenvError::Read {
                path: PathBuf::from("connections.toml"),
                message: "neither SNOWFLAKE_HOME nor HOME is set".to_string(),
            })?;
        for (var, value) in toml_connection(&path, &name)? {
            values.insert(var, (value, Source::Toml(path.clone(), name.clone())));
        }
    }
    let mut read = Vec::new();
    for file in files {
        if !required && !file.exists() {
            continue;
        }
        let iter = dotenvy::from_path_iter(&file).map_err(|e| DotenvError::Read {
            path: file.clone(),
            message: describe_dotenv_error(&e),
        })?;
        for item in iter {
            match item {
                Ok((key, value)) => {
                    values.insert(key, (value, Source::File(file.clone())));
                }
                Err(dotenvy::Error::LineParse(text, _)) => {
                    return Err(DotenvError::Parse {
                        path: file.clone(),
                        line: line_of(&file, &text),
                    });
                }
                Err(e) => {
                    return Err(DotenvError::Read {
                        path: file.clone(),
                        message: describe_dotenv_error(&e),
                    });
                }
            }
        }
        read.push(file);
    }
    for (name, _) in VARIABLES {
        if let Some(value) = process(name) {
            values.insert(name.to_string(), (value, Source::Process));
        }
    }

    let mut conn = Connection {
        files: read,
        ..Connection::default()
    };
    for (name, (value, source)) in values {
        let known = match name.as_str() {
            "SNOWFLAKE_ACCOUNT" => set(&mut conn.account, value),
            "SNOWFLAKE_USER" => set(&mut conn.user, value),
            "SNOWFLAKE_PASSWORD" => set_secret(&mut conn.password, value),
            "SNOWFLAKE_PRIVATE_KEY_PATH" => {
                conn.private_key_path = (!value.is_empty()).then(|| PathBuf::from(value));
                true
            }
            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE" => {
                set_secret(&mut conn.private_key_passphrase, value)
            }
            "SNOWFLAKE_ROLE" => set(&mut conn.role, value),
            "SNOWFLAKE_WAREHOUSE" => set(&mut conn.warehouse, value),
            "SNOWFLAKE_URL" => set(&mut conn.url, value),
            _ => false,
        };
        if known {
            conn.sources.insert(name, source);
        }
    }
    Ok(conn)
}

impl Connection {
    /// The configuration's `connection:` role and warehouse, where nothing
    /// (or an empty value) but `connections.toml` set them (files and the process environment
    /// win over the configuration, the configuration over connections.toml).
    pub fn apply_defaults(&mut self, config: &crate::promotion::ConnectionConfig) {
        for (var, slot, value) in [
            ("SNOWFLAKE_ROLE", &mut self.role, &config.role),
            (
                "SNOWFLAKE_WAREHOUSE",
                &mut self.warehouse,
                &config.warehouse,
            ),
        ] {
            let Some(value) = value else { continue };
            // Empty in a file or the process environment counts as unset.
            let overridable =
                slot.is_none() || matches!(self.sources.get(var), None | Some(Source::Toml(..)));
            if overridable {
                *slot = Some(value.clone());
                self.sources.insert(var.to_string(), Source::Config);
            }
        }
    }

    /// The settings as SNOWFLAKE_* variables (secrets exposed: for a child
    /// process or `env --format dotenv --show-secrets` only).
    pub fn variables(&self) -> Vec<(&'static str, String, bool)> {
        let mut out = Vec::new();
        let mut push = |name: &'static str, value: Option<String>, secret: bool| {
            if let Some(v) = value {
                out.push((name, v, secret));
            }
        };
        push("SNOWFLAKE_ACCOUNT", self.account.clone(), false);
        push("SNOWFLAKE_USER", self.user.clone(), false);
        push(
            "SNOWFLAKE_PASSWORD",
            self.password.as_ref().map(|p| p.expose().to_string()),
            true,
        );
        push(
            "SNOWFLAKE_PRIVATE_KEY_PATH",
            self.private_key_path
                .as_ref()
                .map(|p| p.display().to_string()),
            false,
        );
        push(
            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
            self.private_key_passphrase
                .as_ref()
                .map(|p| p.expose().to_string()),
            true,
        );
        push("SNOWFLAKE_ROLE", self.role.clone(), false);
        push("SNOWFLAKE_WAREHOUSE", self.warehouse.clone(), false);
        push("SNOWFLAKE_URL", self.url.clone(), false);
        out
    }
}

/// The SNOWFLAKE_* variables of connection `name` in a `connections.toml`
/// (a small reader for its flat form: `[name]` tables of `key = "value"`).
fn toml_connection(path: &Path, name: &str) -> Result<Vec<(String, String)>, DotenvError> {
    let text = std::fs::read_to_string(path).map_err(|e| DotenvError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut current: Option<String> = None;
    let mut found = false;
    let mut raw: BTreeMap<String, String> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let section = section
                .trim_end_matches(']')
                .trim()
                .trim_start_matches("connections.")
                .trim_matches('"')
                .to_string();
            // `pudo_${env}` expands to `pudo_PROD`: names match in any case.
            found |= section.eq_ignore_ascii_case(name);
            current = Some(section);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(DotenvError::Parse {
                path: path.to_path_buf(),
                line: i + 1,
            });
        };
        if !current
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let value = value.trim();
        let value = match value.strip_prefix('"').or_else(|| value.strip_prefix('\'')) {
            Some(v) => v.trim_end_matches(['"', '\'']).to_string(),
            None => value
                .split('#')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        raw.insert(key.trim().to_ascii_lowercase(), value);
    }
    if !found {
        return Err(DotenvError::Read {
            path: path.to_path_buf(),
            message: format!("no connection `[{name}]`"),
        });
    }
    let mut out = Vec::new();
    for (key, var) in [
        ("account", "SNOWFLAKE_ACCOUNT"),
        ("user", "SNOWFLAKE_USER"),
        ("password", "SNOWFLAKE_PASSWORD"),
        ("role", "SNOWFLAKE_ROLE"),
        ("warehouse", "SNOWFLAKE_WAREHOUSE"),
        ("private_key_file", "SNOWFLAKE_PRIVATE_KEY_PATH"),
        ("private_key_path", "SNOWFLAKE_PRIVATE_KEY_PATH"),
        ("private_key_file_pwd", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
    ] {
        if let Some(v) = raw.get(key) {
            out.push((var.to_string(), v.clone()));
        }
    }
    if let Some(host) = raw.get("host") {
        let protocol = raw.get("protocol").map_or("https", String::as_str);
        let port = raw.get("port").map(|p| format!(":{p}")).unwrap_or_default();
        out.push((
            "SNOWFLAKE_URL".to_string(),
            format!("{protocol}://{host}{port}"),
        ));
    }
    Ok(out)
}

fn set(slot: &mut Option<String>, value: String) -> bool {
    *slot = (!value.is_empty()).then_some(value);
    true
}

fn set_secret(slot: &mut Option<Secret>, value: String) -> bool {
    *slot = (!value.is_empty()).then_some(Secret(value));
    true
}

/// dotenvy's messages can quote the offending line, which may hold a
/// secret; keep only the kind of failure.
fn describe_dotenv_error(e: &dotenvy::Error) -> String {
    match e {
        dotenvy::Error::Io(io) => io.to_string(),
        dotenvy::Error::LineParse(_, _) => "invalid line".to_string(),
        dotenvy::Error::EnvVar(_) => "invalid variable".to_string(),
        _ => "invalid file".to_string(),
    }
}

/// dotenvy reports the offending entry's text; find its line number.
fn line_of(file: &Path, entry: &str) -> usize {
    let first = entry.lines().next().unwrap_or_default().trim();
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| text.lines().position(|l| l.trim() == first))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), "****");
        assert_eq!(format!("{s:?}"), "****");
        let conn = Connection {
            password: Some(s),
            ..Default::default()
        };
        assert!(!format!("{conn:?}").contains("hunter2"));
        let described = format!("{:?}", conn.describe());
        assert!(!described.contains("hunter2"));
        assert!(described.contains("(set)"));
    }

    #[test]
    fn layering_env_file_then_process() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "SNOWFLAKE_ACCOUNT=acme\nSNOWFLAKE_USER=base\nSNOWFLAKE_PASSWORD=pw1\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(".env.dev"),
            "SNOWFLAKE_USER=dev_user\nSNOWFLAKE_ROLE=PUDO_DEV_ROLE\n",
        )
        .unwrap();
        let process = |name: &str| (name == "SNOWFLAKE_ROLE").then(|| "FROM_PROCESS".to_string());
        let conn = load(dir.path(), Some("DEV"), None, &process).unwrap();
        assert_eq!(conn.account.as_deref(), Some("acme"));
        assert_eq!(conn.user.as_deref(), Some("dev_user"));
        assert_eq!(conn.role.as_deref(), Some("FROM_PROCESS"));
        assert_eq!(conn.password.as_ref().map(Secret::expose), Some("pw1"));
        assert_eq!(conn.sources["SNOWFLAKE_ROLE"], Source::Process);
        assert_eq!(conn.files.len(), 2);
        // The process environment itself is untouched.
        assert!(std::env::var("SNOWFLAKE_USER").ok().as_deref() != Some("dev_user"));
    }

    #[test]
    fn connections_toml_is_the_lowest_layer() {
        let home = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join("connections.toml"),
            "# Snowflake CLI connections\n[other]\naccount = \"no\"\n\n[pudo_staging]\naccount = \"acme-toml\"\nuser = \"toml_user\"\npassword = \"toml-secret\"\nrole = \"TOML_ROLE\"\nwarehouse = \"TOML_WH\"\nhost = \"127.0.0.1\"\nport = 8080\nprotocol = \"http\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join(".env"), "SNOWFLAKE_USER=env_user\n").unwrap();
        std::fs::write(
            dir.path().join(".env.staging"),
            "SNOWFLAKE_WAREHOUSE=ENV_WH\n",
        )
        .unwrap();
        let home_dir = home.path().display().to_string();
        let process = |name: &str| match name {
            "SNOWFLAKE_HOME" => Some(home_dir.clone()),
            "SNOWFLAKE_DEFAULT_CONNECTION_NAME" => Some("other".to_string()),
            "SNOWFLAKE_ACCOUNT" => Some("acme-process".to_string()),
            _ => None,
        };
        // `connection: name:` wins over SNOWFLAKE_DEFAULT_CONNECTION_NAME.
        let mut conn = load_with_toml(
            dir.path(),
            Some("STAGING"),
            None,
            Some("pudo_staging"),
            &process,
        )
        .unwrap();
        // process > .env.<env> > .env > connections.toml
        assert_eq!(conn.account.as_deref(), Some("acme-process"));
        assert_eq!(conn.warehouse.as_deref(), Some("ENV_WH"));
        assert_eq!(conn.user.as_deref(), Some("env_user"));
        assert_eq!(conn.role.as_deref(), Some("TOML_ROLE"));
        assert_eq!(conn.url.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(
            conn.password.as_ref().map(Secret::expose),
            Some("toml-secret")
        );
        assert!(
            matches!(conn.sources["SNOWFLAKE_ROLE"], Source::Toml(_, ref n) if n == "pudo_staging")
        );
        // `connection:` role / warehouse: over connections.toml, under files and process.
        conn.apply_defaults(&crate::promotion::ConnectionConfig {
            role: Some("PUDO_STAGING_ROLE".into()),
            warehouse: Some("PUDO_STAGING_WH".into()),
            name: None,
        });
        assert_eq!(conn.role.as_deref(), Some("PUDO_STAGING_ROLE"));
        assert_eq!(conn.sources["SNOWFLAKE_ROLE"], Source::Config);
        assert_eq!(conn.warehouse.as_deref(), Some("ENV_WH"));
        assert!(!format!("{:?}", conn.describe()).contains("toml-secret"));
        // The default connection name, when the configuration names none.
        let conn = load_with_toml(dir.path(), None, None, None, &process).unwrap();
        assert_eq!(conn.user.as_deref(), Some("env_user"));
        // A named connection that is not in the file is an error.
        let err = load_with_toml(dir.path(), None, None, Some("nope"), &process).unwrap_err();
        assert!(err.to_string().contains("no connection `[nope]`"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hub")).unwrap();
        std::fs::create_dir_all(dir.path().join("projects/p")).unwrap();
        std::fs::write(dir.path().join("hub/.env"), "SNOWFLAKE_ACCOUNT=linked\n").unwrap();
        std::os::unix::fs::symlink("../../hub/.env", dir.path().join("projects/p/.env")).unwrap();
        let conn = load(&dir.path().join("projects/p"), None, None, &|_| None).unwrap();
        assert_eq!(conn.account.as_deref(), Some("linked"));
    }

    #[test]
    fn bad_line_names_file_and_line_without_value() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.env");
        std::fs::write(
            &file,
            "SNOWFLAKE_ACCOUNT=a\nthis line is secret-ish garbage\n",
        )
        .unwrap();
        let err = load(dir.path(), None, Some(&file), &|_| None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("line 2"), "{text}");
        assert!(!text.contains("secret-ish"), "{text}");
    }

    #[test]
    fn redacts_url_credentials() {
        assert_eq!(
            redact_url("https://u:p@host.example/x"),
            "https://****@host.example/x"
        );
        assert_eq!(redact_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
