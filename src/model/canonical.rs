//! One canonical form per value, shared by configuration validation and the
//! live reader, so that the two sides of every comparison agree.

/// Canonical warehouse sizes (the keyword form CREATE WAREHOUSE takes) with
/// the spellings Snowflake accepts or shows for each.
const WAREHOUSE_SIZES: &[(&str, &[&str])] = &[
    ("XSMALL", &["XSMALL", "X-SMALL"]),
    ("SMALL", &["SMALL"]),
    ("MEDIUM", &["MEDIUM"]),
    ("LARGE", &["LARGE"]),
    ("XLARGE", &["XLARGE", "X-LARGE"]),
    ("XXLARGE", &["XXLARGE", "X2LARGE", "2X-LARGE", "2XLARGE"]),
    ("XXXLARGE", &["XXXLARGE", "X3LARGE", "3X-LARGE", "3XLARGE"]),
    ("X4LARGE", &["X4LARGE", "4X-LARGE", "4XLARGE"]),
    ("X5LARGE", &["X5LARGE", "5X-LARGE", "5XLARGE"]),
    ("X6LARGE", &["X6LARGE", "6X-LARGE", "6XLARGE"]),
];

/// `XSMALL`, `X-Small`, `x-small` -> `XSMALL`. `None` for an unknown size.
pub fn warehouse_size(written: &str) -> Option<&'static str> {
    let upper = written.trim().to_ascii_uppercase();
    WAREHOUSE_SIZES
        .iter()
        .find(|(_, spellings)| spellings.contains(&upper.as_str()))
        .map(|(canonical, _)| *canonical)
}

/// Every canonical warehouse size, for error hints.
pub fn warehouse_sizes() -> impl Iterator<Item = &'static str> {
    WAREHOUSE_SIZES.iter().map(|(canonical, _)| *canonical)
}

/// Warehouse types: `STANDARD`, `SNOWPARK-OPTIMIZED` (also written with an
/// underscore).
pub fn warehouse_type(written: &str) -> Option<&'static str> {
    match written
        .trim()
        .to_ascii_uppercase()
        .replace('_', "-")
        .as_str()
    {
        "STANDARD" => Some("STANDARD"),
        "SNOWPARK-OPTIMIZED" => Some("SNOWPARK-OPTIMIZED"),
        _ => None,
    }
}

/// Scaling policies: `STANDARD`, `ECONOMY`.
pub fn scaling_policy(written: &str) -> Option<&'static str> {
    match written.trim().to_ascii_uppercase().as_str() {
        "STANDARD" => Some("STANDARD"),
        "ECONOMY" => Some("ECONOMY"),
        _ => None,
    }
}

/// A privilege name: upper case, single spaces (`create  table` ->
/// `CREATE TABLE`). `None` when it holds anything but letters, digits,
/// underscores and spaces.
pub fn privilege(written: &str) -> Option<String> {
    let words: Vec<String> = written
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let valid = !words.is_empty()
        && words
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    valid.then(|| words.join(" "))
}

/// A privilege set in canonical order: sorted, without duplicates.
pub fn privilege_set(privileges: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut set: Vec<String> = privileges.into_iter().collect();
    set.sort();
    set.dedup();
    set
}

/// Object types that future grants may name, in their plural keyword form.
pub fn future_object_type(written: &str) -> Option<&'static str> {
    const TYPES: &[&str] = &[
        "TABLES",
        "VIEWS",
        "SCHEMAS",
        "MATERIALIZED VIEWS",
        "EXTERNAL TABLES",
        "DYNAMIC TABLES",
        "STAGES",
        "FILE FORMATS",
        "SEQUENCES",
        "FUNCTIONS",
        "PROCEDURES",
        "STREAMS",
        "TASKS",
    ];
    let upper = written
        .split_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(" ");
    TYPES.iter().copied().find(|t| *t == upper)
}

/// SHOW prints booleans as `true`/`false`, `Y`/`N` or `ON`/`OFF`.
pub fn show_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "y" | "yes" | "on" | "1" => Some(true),
        "false" | "n" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouse_sizes_fold_to_one_form() {
        let cases = [
            ("XSMALL", Some("XSMALL")),
            ("x-small", Some("XSMALL")),
            ("X-Small", Some("XSMALL")),
            ("Medium", Some("MEDIUM")),
            ("2X-Large", Some("XXLARGE")),
            ("X2LARGE", Some("XXLARGE")),
            ("6X-Large", Some("X6LARGE")),
            ("HUGE", None),
            ("", None),
        ];
        for (written, expected) in cases {
            assert_eq!(warehouse_size(written), expected, "{written}");
        }
    }

    #[test]
    fn privileges_are_upper_case_single_spaced() {
        assert_eq!(privilege("create  table").as_deref(), Some("CREATE TABLE"));
        assert_eq!(privilege("usage").as_deref(), Some("USAGE"));
        assert_eq!(privilege("usage; drop"), None);
        assert_eq!(privilege(" "), None);
        assert_eq!(
            privilege_set(["USAGE".into(), "OPERATE".into(), "USAGE".into()]),
            vec!["OPERATE".to_string(), "USAGE".to_string()]
        );
    }
}
