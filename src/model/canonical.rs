//! One canonical form per value, shared by configuration validation and the
//! live reader, so that the two sides of every comparison agree.

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
