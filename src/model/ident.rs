//! Snowflake identifiers in their one canonical form.
//!
//! The canonical form is the string Snowflake stores: an unquoted identifier
//! folds to upper case, a double-quoted one keeps its exact text (with `""`
//! collapsed to `"`). Equality is on that form, so `pudo_dev`, `PUDO_DEV` and
//! `"PUDO_DEV"` are one object, while `"pudo_dev"` is another.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest identifier Snowflake accepts, quoted or not.
pub const MAX_IDENTIFIER_LEN: usize = 255;

/// Words that must be quoted when used as an identifier (ANSI and Snowflake
/// reserved words, plus the words SHOW cannot take as a bare name).
const RESERVED: &[&str] = &[
    "ACCOUNT",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "CONNECT",
    "CONNECTION",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DATABASE",
    "DELETE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EXISTS",
    "FALSE",
    "FOLLOWING",
    "FOR",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "GSCLUSTER",
    "HAVING",
    "ILIKE",
    "IN",
    "INCREMENT",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "ISSUE",
    "JOIN",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MINUS",
    "NATURAL",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "ORGANIZATION",
    "QUALIFY",
    "REGEXP",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SCHEMA",
    "SELECT",
    "SET",
    "SOME",
    "START",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRIGGER",
    "TRUE",
    "TRY_CAST",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHENEVER",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// A Snowflake identifier in canonical (stored) form.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ident(String);

/// Why a written identifier is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    #[error("an identifier cannot be empty")]
    Empty,
    #[error("`{0}` is longer than {MAX_IDENTIFIER_LEN} characters")]
    TooLong(String),
    #[error(
        "`{0}` is not a valid unquoted identifier (letters, digits, `_` and `$`, not starting with a digit or `$`); write it in double quotes to keep it as is"
    )]
    Invalid(String),
    #[error("`{0}` has an unbalanced double quote")]
    UnbalancedQuote(String),
}

impl Ident {
    /// Parses an identifier as written in configuration or SQL: `name`
    /// (folded to upper case) or `"Name"` (kept as written).
    pub fn parse(written: &str) -> Result<Ident, IdentError> {
        let written = written.trim();
        if written.is_empty() {
            return Err(IdentError::Empty);
        }
        let canonical = if let Some(inner) = written.strip_prefix('"') {
            let Some(inner) = inner.strip_suffix('"') else {
                return Err(IdentError::UnbalancedQuote(written.to_string()));
            };
            // Inside, every quote must be doubled.
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '"' && chars.next() != Some('"') {
                    return Err(IdentError::UnbalancedQuote(written.to_string()));
                }
                out.push(c);
            }
            if out.is_empty() {
                return Err(IdentError::Empty);
            }
            out
        } else {
            if !is_unquoted_form(written, false) {
                return Err(IdentError::Invalid(written.to_string()));
            }
            written.to_ascii_uppercase()
        };
        if canonical.len() > MAX_IDENTIFIER_LEN && canonical.chars().count() > MAX_IDENTIFIER_LEN {
            return Err(IdentError::TooLong(written.to_string()));
        }
        Ok(Ident(canonical))
    }

    /// Wraps a name already in canonical form (read from state or from SHOW
    /// output, which print names as stored, without quotes).
    pub fn from_canonical(name: impl Into<String>) -> Ident {
        Ident(name.into())
    }

    /// The canonical (stored) name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the name can be written without quotes and still mean
    /// exactly this object.
    pub fn is_plain(&self) -> bool {
        // This runs for every name of every statement and address: one
        // pass over the bytes, which also tells whether the name could be
        // a reserved word at all (those are only `A-Z` and `_`, checked by
        // a test); only then the binary search (RESERVED is sorted).
        let bytes = self.0.as_bytes();
        let Some(&first) = bytes.first() else {
            return false;
        };
        if !(first.is_ascii_uppercase() || first == b'_') {
            return false;
        }
        let mut could_be_reserved = true;
        for &c in &bytes[1..] {
            if c.is_ascii_uppercase() || c == b'_' {
                continue;
            }
            if c.is_ascii_digit() || c == b'$' {
                could_be_reserved = false;
                continue;
            }
            return false;
        }
        !could_be_reserved || RESERVED.binary_search(&self.0.as_str()).is_err()
    }

    /// The identifier as SQL: bare when that is equivalent, otherwise double
    /// quoted with inner quotes doubled.
    pub fn sql(&self) -> String {
        if self.is_plain() {
            self.0.clone()
        } else {
            let mut out = String::with_capacity(self.0.len() + 2);
            self.push_quoted(&mut out);
            out
        }
    }

    /// Appends [`sql`](Self::sql) to `out` without an intermediate string
    /// (statements and addresses are built from many names).
    pub fn push_sql(&self, out: &mut String) {
        if self.is_plain() {
            out.push_str(&self.0);
        } else {
            self.push_quoted(out);
        }
    }

    fn push_quoted(&self, out: &mut String) {
        out.push('"');
        for (i, part) in self.0.split('"').enumerate() {
            if i > 0 {
                out.push_str("\"\"");
            }
            out.push_str(part);
        }
        out.push('"');
    }
}

/// `^[A-Za-z_][A-Za-z0-9_$]*$`, and upper case only when `upper_only`.
fn is_unquoted_form(s: &str, upper_only: bool) -> bool {
    // Bytes: every accepted character is ASCII, and a byte of a multi-byte
    // character is never ASCII, so it is rejected like the character.
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let letter_ok = |c: u8| {
        if upper_only {
            c.is_ascii_uppercase()
        } else {
            c.is_ascii_alphabetic()
        }
    };
    (letter_ok(first) || first == b'_')
        && bytes[1..]
            .iter()
            .all(|&c| letter_ok(c) || c.is_ascii_digit() || c == b'_' || c == b'$')
}

impl fmt::Display for Ident {
    /// Displays the SQL form, so that messages and addresses name the object
    /// unambiguously.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_plain() {
            f.write_str(&self.0)
        } else {
            f.write_str("\"")?;
            for (i, part) in self.0.split('"').enumerate() {
                if i > 0 {
                    f.write_str("\"\"")?;
                }
                f.write_str(part)?;
            }
            f.write_str("\"")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_unquoted_and_keeps_quoted() {
        let cases = [
            ("pudo_dev", "PUDO_DEV", "PUDO_DEV"),
            ("Pudo_Dev$1", "PUDO_DEV$1", "PUDO_DEV$1"),
            ("\"PUDO_DEV\"", "PUDO_DEV", "PUDO_DEV"),
            ("\"lower\"", "lower", "\"lower\""),
            ("\"my.db\"", "my.db", "\"my.db\""),
            ("\"a\"\"b\"", "a\"b", "\"a\"\"b\""),
            ("\"TABLE\"", "TABLE", "\"TABLE\""),
            ("_x", "_X", "_X"),
        ];
        for (written, canonical, sql) in cases {
            let id = Ident::parse(written).unwrap();
            assert_eq!(id.as_str(), canonical, "{written}");
            assert_eq!(id.sql(), sql, "{written}");
            assert_eq!(Ident::parse(&id.sql()).unwrap(), id, "round trip {written}");
        }
    }

    #[test]
    fn reserved_words_are_sorted_for_binary_search() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        // `is_plain` searches only names made of these.
        assert!(
            RESERVED
                .iter()
                .all(|w| w.bytes().all(|c| c.is_ascii_uppercase() || c == b'_'))
        );
        assert_eq!(Ident::parse("\"SELECT1\"").unwrap().sql(), "SELECT1");
        assert_eq!(Ident::parse("\"A$\"").unwrap().sql(), "A$");
        assert_eq!(Ident::parse("\"1A\"").unwrap().sql(), "\"1A\"");
        assert_eq!(Ident::parse("\"a1\"").unwrap().sql(), "\"a1\"");
        assert_eq!(Ident::parse("\"SELECT\"").unwrap().sql(), "\"SELECT\"");
        assert_eq!(Ident::parse("\"ACCOUNT\"").unwrap().sql(), "\"ACCOUNT\"");
        assert_eq!(Ident::parse("\"WITH\"").unwrap().sql(), "\"WITH\"");
    }

    #[test]
    fn rejects_bad_identifiers() {
        assert_eq!(Ident::parse(""), Err(IdentError::Empty));
        assert_eq!(Ident::parse("\"\""), Err(IdentError::Empty));
        assert!(matches!(Ident::parse("1abc"), Err(IdentError::Invalid(_))));
        assert!(matches!(Ident::parse("a-b"), Err(IdentError::Invalid(_))));
        assert!(matches!(Ident::parse("a b"), Err(IdentError::Invalid(_))));
        assert!(matches!(
            Ident::parse("\"abc"),
            Err(IdentError::UnbalancedQuote(_))
        ));
        assert!(matches!(
            Ident::parse("\"a\"b\""),
            Err(IdentError::UnbalancedQuote(_))
        ));
        assert!(matches!(
            Ident::parse(&"A".repeat(256)),
            Err(IdentError::TooLong(_))
        ));
        assert!(Ident::parse(&"A".repeat(255)).is_ok());
    }
}
