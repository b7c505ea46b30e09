//! Recorded state: the `State` value and its file store (format, atomic
//! write, backup, lock).

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state file `{0}` is not readable")]
    Unreadable(String),
}
