//! Query results: typed columns and string cells, as the JSON rowset carries them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Fixed,
    Boolean,
    TimestampLtz,
    /// Table data (`crate::sql_engine`): NUMBER(precision, scale).
    Number(u32, u32),
    Real,
    TimestampNtz,
    /// TIMESTAMP_LTZ of a table column (scale 9).
    TimestampLtz9,
    Date,
    Variant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: ColType,
}

pub type Cell = Option<String>;

#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl QueryResult {
    pub fn status(msg: impl Into<String>) -> Self {
        QueryResult {
            columns: vec![Column {
                name: "status".into(),
                ty: ColType::Text,
            }],
            rows: vec![vec![Some(msg.into())]],
        }
    }

    pub fn ok() -> Self {
        Self::status("Statement executed successfully.")
    }

    /// Columns from `(name, type)` pairs, no rows yet.
    pub fn with_columns(cols: &[(&str, ColType)]) -> Self {
        QueryResult {
            columns: cols
                .iter()
                .map(|(n, t)| Column {
                    name: n.to_string(),
                    ty: *t,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Timestamp cell for a `timestamp_ltz` column of scale 3: epoch seconds with millis.
pub fn ts(ms: i64) -> Cell {
    Some(format!(
        "{}.{:03}",
        ms.div_euclid(1000),
        ms.rem_euclid(1000)
    ))
}

pub fn text(s: impl Into<String>) -> Cell {
    Some(s.into())
}

pub fn yn(b: bool) -> Cell {
    Some(if b { "Y" } else { "N" }.into())
}

pub fn tf(b: bool) -> Cell {
    Some(if b { "true" } else { "false" }.into())
}

pub fn num(n: i64) -> Cell {
    Some(n.to_string())
}

/// One SHOW row built by column name: every column of `columns` must be given
/// exactly once, in any order, so that a row can never silently misalign with
/// its header. A mismatch is a bug in the emulator and panics.
pub fn row(columns: &[(&str, ColType)], cells: Vec<(&str, Cell)>) -> Vec<Cell> {
    let mut out: Vec<Option<Cell>> = vec![None; columns.len()];
    for (name, cell) in cells {
        let i = columns
            .iter()
            .position(|(c, _)| *c == name)
            .unwrap_or_else(|| panic!("SHOW row has a cell for unknown column {name}"));
        assert!(out[i].is_none(), "SHOW row sets column {name} twice");
        out[i] = Some(cell);
    }
    out.into_iter()
        .zip(columns)
        .map(|(c, (name, _))| c.unwrap_or_else(|| panic!("SHOW row lacks column {name}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[(&str, ColType)] = &[("a", ColType::Text), ("b", ColType::Fixed)];

    #[test]
    fn row_follows_the_column_order() {
        assert_eq!(
            row(COLS, vec![("b", num(2)), ("a", text("x"))]),
            vec![text("x"), num(2)]
        );
    }

    #[test]
    #[should_panic(expected = "lacks column b")]
    fn row_with_a_missing_column_panics() {
        row(COLS, vec![("a", None)]);
    }

    #[test]
    #[should_panic(expected = "unknown column c")]
    fn row_with_an_unknown_column_panics() {
        row(COLS, vec![("a", None), ("b", None), ("c", None)]);
    }
}
