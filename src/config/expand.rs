//! Templating: `${env}` and `${var.NAME}` inside strings and keys.
//!
//! - `${env}` is the environment's name (`DEV`, `STAGING`, `PROD`); it is an
//!   error inside a shared resource (shared objects are the same in every
//!   environment) and in the shared stack.
//! - `${var.NAME}` is a value from `vars:` (base.yaml, overridable per
//!   environment). A value that is exactly one `${var.NAME}` takes the
//!   variable's type (`auto_suspend: "${var.suspend}"` is an integer);
//!   inside a longer string the variable is written as text.
//! - `$${` writes a literal `${`. A lone `$` is kept as is.

use super::source::{Kind, Node};
use std::borrow::Cow;
use std::collections::HashMap;

/// Variables by name (merged `vars:`), values as written.
pub(crate) type Vars = HashMap<String, Node>;

/// Why a template could not be expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExpandError {
    UnknownVar {
        name: String,
        known: Vec<String>,
    },
    /// `${env}` inside a shared resource.
    EnvInShared,
    /// `${env}` where no environment applies.
    NoEnv,
    Unterminated,
    UnknownRef(String),
    /// A variable's value refers to another variable.
    VarInVar(String),
    /// A list or mapping variable used inside a string.
    NotScalar(String),
}

impl ExpandError {
    /// Message and hint.
    pub fn describe(&self) -> (String, Option<String>) {
        match self {
            ExpandError::UnknownVar { name, known } => {
                let suggestion = crate::suggest::did_you_mean(name, known.iter().map(String::as_str));
                let hint = match suggestion {
                    Some(s) => format!("did you mean `${{var.{s}}}`?"),
                    None if known.is_empty() => {
                        "declare it under `vars:` in base.yaml (or the environment's override)"
                            .to_string()
                    }
                    None => format!(
                        "declare it under `vars:`; known variables: {}",
                        known.join(", ")
                    ),
                };
                (format!("unknown variable `{name}`"), Some(hint))
            }
            ExpandError::EnvInShared => (
                "`${env}` cannot be used in a shared resource".to_string(),
                Some(
                    "shared objects are the same in every environment; remove `shared: true` to make one per environment"
                        .to_string(),
                ),
            ),
            ExpandError::NoEnv => (
                "`${env}` has no value here (no environment)".to_string(),
                None,
            ),
            ExpandError::Unterminated => (
                "`${` is not closed by `}`".to_string(),
                Some("write `$${` for a literal `${`".to_string()),
            ),
            ExpandError::UnknownRef(inner) => (
                format!("unknown reference `${{{inner}}}`"),
                Some("use `${env}` or `${var.NAME}`; write `$${` for a literal `${`".to_string()),
            ),
            ExpandError::VarInVar(name) => (
                format!("variable `{name}` refers to another variable"),
                Some("variables may use `${env}` but not other variables".to_string()),
            ),
            ExpandError::NotScalar(name) => (
                format!("variable `{name}` is a list or mapping and cannot be used here"),
                None,
            ),
        }
    }
}

/// A scalar after expansion.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A list or mapping: the type name for messages.
    Other(&'static str),
}

impl Scalar {
    /// What was found, with its value when short: "the string `soon`".
    pub fn describe(&self) -> String {
        let value = match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Str(s) if s.chars().count() <= 40 => s.clone(),
            _ => return self.type_name().to_string(),
        };
        let kind = match self {
            Scalar::Bool(_) => "the boolean",
            Scalar::Int(_) => "the integer",
            Scalar::Float(_) => "the number",
            _ => "the string",
        };
        format!("{kind} `{value}`")
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Scalar::Null => "nothing (null)",
            Scalar::Bool(_) => "a boolean",
            Scalar::Int(_) => "an integer",
            Scalar::Float(_) => "a number",
            Scalar::Str(_) => "a string",
            Scalar::Other(name) => name,
        }
    }
}

/// Expands templates for one environment.
#[derive(Clone, Copy)]
pub(crate) struct Expander<'a> {
    pub env: Option<&'a str>,
    pub vars: &'a Vars,
    /// False inside shared resources.
    pub env_allowed: bool,
    /// False while expanding a variable's own value.
    pub vars_allowed: bool,
}

impl<'a> Expander<'a> {
    pub fn new(env: Option<&'a str>, vars: &'a Vars) -> Expander<'a> {
        Expander {
            env,
            vars,
            env_allowed: true,
            vars_allowed: true,
        }
    }

    /// The same expander, with `${env}` allowed or not.
    pub fn with_env_allowed(self, allowed: bool) -> Expander<'a> {
        Expander {
            env_allowed: allowed,
            ..self
        }
    }

    /// Expands every template in `text`.
    pub fn text<'t>(&self, text: &'t str) -> Result<Cow<'t, str>, ExpandError> {
        if !text.contains('$') {
            return Ok(Cow::Borrowed(text));
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos..];
            if let Some(tail) = after.strip_prefix("$${") {
                out.push_str("${");
                rest = tail;
            } else if let Some(tail) = after.strip_prefix("${") {
                let end = tail.find('}').ok_or(ExpandError::Unterminated)?;
                let inner = tail[..end].trim();
                self.push_reference(inner, &mut out)?;
                rest = &tail[end + 1..];
            } else {
                out.push('$');
                rest = &after[1..];
            }
        }
        out.push_str(rest);
        Ok(Cow::Owned(out))
    }

    fn push_reference(&self, inner: &str, out: &mut String) -> Result<(), ExpandError> {
        if inner == "env" {
            out.push_str(self.env_value()?);
            return Ok(());
        }
        let Some(name) = inner.strip_prefix("var.") else {
            return Err(ExpandError::UnknownRef(inner.to_string()));
        };
        match self.var(name.trim())? {
            Scalar::Null => {}
            Scalar::Bool(b) => out.push_str(&b.to_string()),
            Scalar::Int(i) => out.push_str(&i.to_string()),
            Scalar::Float(f) => out.push_str(&f.to_string()),
            Scalar::Str(s) => out.push_str(&s),
            Scalar::Other(_) => return Err(ExpandError::NotScalar(name.trim().to_string())),
        }
        Ok(())
    }

    fn env_value(&self) -> Result<&'a str, ExpandError> {
        if !self.env_allowed {
            return Err(ExpandError::EnvInShared);
        }
        self.env.ok_or(ExpandError::NoEnv)
    }

    /// A variable's value, its own `${env}` expanded.
    fn var(&self, name: &str) -> Result<Scalar, ExpandError> {
        if !self.vars_allowed {
            return Err(ExpandError::VarInVar(name.to_string()));
        }
        let Some(node) = self.vars.get(name) else {
            let mut known: Vec<String> = self.vars.keys().cloned().collect();
            known.sort();
            return Err(ExpandError::UnknownVar {
                name: name.to_string(),
                known,
            });
        };
        let inner = Expander {
            vars_allowed: false,
            ..*self
        };
        Ok(match &node.kind {
            Kind::Null => Scalar::Null,
            Kind::Bool(b) => Scalar::Bool(*b),
            Kind::Int(i) => Scalar::Int(*i),
            Kind::Float(f) => Scalar::Float(*f),
            Kind::Str(s) => Scalar::Str(
                inner
                    .text(s)
                    .map_err(|e| match e {
                        ExpandError::VarInVar(_) => ExpandError::VarInVar(name.to_string()),
                        other => other,
                    })?
                    .into_owned(),
            ),
            Kind::List(_) | Kind::Map(_) => Scalar::Other(node.type_name()),
        })
    }

    /// A scalar value, expanded. A string that is exactly one
    /// `${var.NAME}` takes the variable's type.
    pub fn scalar(&self, node: &Node) -> Result<Scalar, ExpandError> {
        Ok(match &node.kind {
            Kind::Null => Scalar::Null,
            Kind::Bool(b) => Scalar::Bool(*b),
            Kind::Int(i) => Scalar::Int(*i),
            Kind::Float(f) => Scalar::Float(*f),
            Kind::Str(s) => {
                if let Some(name) = single_var(s) {
                    return self.var(name);
                }
                Scalar::Str(self.text(s)?.into_owned())
            }
            Kind::List(_) | Kind::Map(_) => Scalar::Other(node.type_name()),
        })
    }

    /// Expands every key and scalar of a tree (for `config render`),
    /// collecting the problems with the node they occurred at.
    pub fn tree(&self, node: &Node, errors: &mut Vec<(ExpandError, Node)>) -> Node {
        let kind = match &node.kind {
            Kind::Str(_) => match self.scalar(node) {
                Ok(Scalar::Null) => Kind::Null,
                Ok(Scalar::Bool(b)) => Kind::Bool(b),
                Ok(Scalar::Int(i)) => Kind::Int(i),
                Ok(Scalar::Float(f)) => Kind::Float(f),
                Ok(Scalar::Str(s)) => Kind::Str(s),
                Ok(Scalar::Other(_)) => match single_var(node.as_str().unwrap_or_default())
                    .and_then(|name| self.vars.get(name))
                {
                    Some(value) => value.kind.clone(),
                    None => node.kind.clone(),
                },
                Err(e) => {
                    errors.push((e, node.clone()));
                    node.kind.clone()
                }
            },
            Kind::List(items) => Kind::List(items.iter().map(|i| self.tree(i, errors)).collect()),
            Kind::Map(entries) => Kind::Map(
                entries
                    .iter()
                    .map(|e| super::source::Entry {
                        key: match self.text(&e.key) {
                            Ok(k) => k.into_owned(),
                            Err(err) => {
                                errors.push((err, Node::new(Kind::Null, e.key_at)));
                                e.key.clone()
                            }
                        },
                        key_at: e.key_at,
                        value: self.tree(&e.value, errors),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        Node::new(kind, node.at)
    }
}

/// `NAME` when `text` is exactly `${var.NAME}` (spaces allowed inside).
fn single_var(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("${")?.strip_suffix('}')?;
    if inner.contains('}') || inner.contains("${") {
        return None;
    }
    inner.trim().strip_prefix("var.").map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::source::At;

    fn vars() -> Vars {
        let at = At::default();
        let mut v = Vars::new();
        v.insert("size".into(), Node::new(Kind::Str("XSMALL".into()), at));
        v.insert("suspend".into(), Node::new(Kind::Int(60), at));
        v.insert("prefix".into(), Node::new(Kind::Str("P_${env}".into()), at));
        v.insert("bad".into(), Node::new(Kind::Str("${var.size}".into()), at));
        v
    }

    #[test]
    fn expands_env_and_vars() {
        let vars = vars();
        let x = Expander::new(Some("DEV"), &vars);
        assert_eq!(x.text("PUDO_${env}_WH").unwrap(), "PUDO_DEV_WH");
        assert_eq!(x.text("${var.size}").unwrap(), "XSMALL");
        assert_eq!(x.text("${ var.prefix }_X").unwrap(), "P_DEV_X");
        assert_eq!(x.text("cost $5 and $${env}").unwrap(), "cost $5 and ${env}");
        assert_eq!(x.text("plain").unwrap(), Cow::Borrowed("plain"));
        let suspend = Node::new(Kind::Str("${var.suspend}".into()), At::default());
        assert_eq!(x.scalar(&suspend).unwrap(), Scalar::Int(60));
        let mixed = Node::new(Kind::Str("${var.suspend}s".into()), At::default());
        assert_eq!(x.scalar(&mixed).unwrap(), Scalar::Str("60s".into()));
    }

    #[test]
    fn reports_problems() {
        let vars = vars();
        let x = Expander::new(Some("DEV"), &vars);
        assert!(matches!(
            x.text("${var.sise}"),
            Err(ExpandError::UnknownVar { .. })
        ));
        let (_, hint) = x.text("${var.sise}").unwrap_err().describe();
        assert_eq!(hint.as_deref(), Some("did you mean `${var.size}`?"));
        assert_eq!(x.text("${env"), Err(ExpandError::Unterminated));
        assert_eq!(
            x.text("${envy}"),
            Err(ExpandError::UnknownRef("envy".into()))
        );
        assert_eq!(
            x.text("${var.bad}"),
            Err(ExpandError::VarInVar("bad".into()))
        );
        let shared = x.with_env_allowed(false);
        assert_eq!(shared.text("A_${env}"), Err(ExpandError::EnvInShared));
        assert_eq!(
            Expander::new(None, &vars).text("${env}"),
            Err(ExpandError::NoEnv)
        );
    }
}
