//! Output renderers (human, json, markdown, mermaid) and the named styles.

pub mod style;
