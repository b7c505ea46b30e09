//! Grant targets as written after `on:`: `account`, `database DB`,
//! `schema DB.SCH`, `warehouse WH`, `future TABLES in schema DB.SCH`,
//! `future SCHEMAS in database DB`. Keywords are case-insensitive;
//! identifiers follow Snowflake's rules (quoted parts keep their case).

use crate::model::canonical;
use crate::model::{GrantTarget, Ident};

/// The forms `on:` accepts, for hints.
pub(crate) const TARGET_FORMS: &str = "`account`, `database DB`, `schema DB.SCHEMA`, `warehouse WH`, `future TABLES in schema DB.SCHEMA`, `future TABLES in database DB`";

/// Parses a grant target. The error is a message for the user.
pub(crate) fn parse_target(text: &str) -> Result<GrantTarget, String> {
    let words = split_words(text)?;
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        [] => Err("the grant target is empty".to_string()),
        ["account"] => Ok(GrantTarget::Account),
        ["database", _] => Ok(GrantTarget::Database {
            name: ident(&words[1])?,
        }),
        ["warehouse", _] => Ok(GrantTarget::Warehouse {
            name: ident(&words[1])?,
        }),
        ["schema", _] => {
            let (database, name) = qualified_schema(&words[1])?;
            Ok(GrantTarget::Schema { database, name })
        }
        ["future", rest @ ..] => {
            let Some(in_pos) = rest.iter().rposition(|w| *w == "in") else {
                return Err(format!(
                    "`{text}` is missing `in schema DB.SCHEMA` or `in database DB`"
                ));
            };
            let type_words = &words[1..1 + in_pos];
            let written_type = type_words.join(" ");
            if written_type.is_empty() {
                return Err(
                    "a future grant names an object type, e.g. `future tables in schema DB.SCHEMA`"
                        .to_string(),
                );
            }
            let object_type = canonical::future_object_type(&written_type).ok_or_else(|| {
                format!("`{written_type}` is not an object type that future grants support")
            })?;
            let after = &rest[in_pos + 1..];
            let after_words = &words[2 + in_pos..];
            match after {
                ["schema", _] => {
                    let (database, schema) = qualified_schema(&after_words[1])?;
                    Ok(GrantTarget::FutureInSchema {
                        object_type: object_type.to_string(),
                        database,
                        schema,
                    })
                }
                ["database", _] => Ok(GrantTarget::FutureInDatabase {
                    object_type: object_type.to_string(),
                    database: ident(&after_words[1])?,
                }),
                _ => Err(format!(
                    "`{text}`: after `in` write `schema DB.SCHEMA` or `database DB`"
                )),
            }
        }
        [kind, ..] => match *kind {
            "database" | "warehouse" | "schema" => Err(format!(
                "`{text}`: `{}` takes exactly one name (quote names that contain spaces)",
                words[0]
            )),
            _ => Err(format!("`{text}` is not a grant target pudo supports")),
        },
    }
}

fn ident(written: &str) -> Result<Ident, String> {
    Ident::parse(written).map_err(|e| e.to_string())
}

/// `DB.SCH` (each part may be quoted) into its two identifiers.
fn qualified_schema(written: &str) -> Result<(Ident, Ident), String> {
    let parts = split_dots(written)?;
    match parts.as_slice() {
        [db, sch] => Ok((ident(db)?, ident(sch)?)),
        _ => Err(format!(
            "`{written}` must name a schema with its database: `DB.SCHEMA`"
        )),
    }
}

/// Splits on whitespace outside double quotes.
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if c.is_whitespace() && !quoted {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if quoted {
        return Err(format!("`{text}` has an unbalanced double quote"));
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    Ok(words)
}

/// Splits on dots outside double quotes (a doubled `""` stays inside).
fn split_dots(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if c == '.' && !quoted {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if quoted {
        return Err(format!("`{text}` has an unbalanced double quote"));
    }
    parts.push(cur);
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(parse_target("ACCOUNT").unwrap(), GrantTarget::Account);
        assert_eq!(
            parse_target("database pudo_mlops").unwrap(),
            GrantTarget::Database {
                name: id("PUDO_MLOPS")
            }
        );
        assert_eq!(
            parse_target("Schema \"my db\".\"Lo.wer\"").unwrap(),
            GrantTarget::Schema {
                database: id("\"my db\""),
                name: id("\"Lo.wer\"")
            }
        );
        assert_eq!(
            parse_target("  warehouse   wh ").unwrap(),
            GrantTarget::Warehouse { name: id("WH") }
        );
        assert_eq!(
            parse_target("future tables in schema PUDO_MLOPS.SHARED_DATA").unwrap(),
            GrantTarget::FutureInSchema {
                object_type: "TABLES".into(),
                database: id("PUDO_MLOPS"),
                schema: id("SHARED_DATA")
            }
        );
        assert_eq!(
            parse_target("FUTURE materialized views IN DATABASE d").unwrap(),
            GrantTarget::FutureInDatabase {
                object_type: "MATERIALIZED VIEWS".into(),
                database: id("D")
            }
        );
    }

    #[test]
    fn rejects_bad_targets() {
        for bad in [
            "",
            "table x",
            "schema justone",
            "database a b",
            "future in schema a.b",
            "future gizmos in schema a.b",
            "future tables in a.b",
            "database \"open",
            "database 1bad",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
