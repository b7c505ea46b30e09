//! Snowflake-shaped SQL errors: a six-digit code, a SQLSTATE and a message.

#[derive(Debug, Clone, PartialEq)]
pub struct SfError {
    pub code: String,
    pub sql_state: String,
    pub message: String,
}

impl SfError {
    pub fn new(code: &str, sql_state: &str, message: impl Into<String>) -> Self {
        SfError {
            code: code.into(),
            sql_state: sql_state.into(),
            message: message.into(),
        }
    }

    /// 001003: `syntax error line L at position P unexpected 'TOKEN'.`
    pub fn syntax_at(line: usize, pos: usize, text: &str) -> Self {
        Self::new(
            "001003",
            "42000",
            format!(
                "SQL compilation error:\nsyntax error line {line} at position {pos} unexpected '{text}'."
            ),
        )
    }

    /// 002002: object already exists.
    pub fn already_exists(name: &str) -> Self {
        Self::new(
            "002002",
            "42710",
            format!("SQL compilation error:\nObject '{name}' already exists."),
        )
    }

    /// 002003: `<Kind> '<name>' does not exist or not authorized.`
    pub fn does_not_exist(kind: &str, name: &str) -> Self {
        Self::new(
            "002003",
            "02000",
            format!("SQL compilation error:\n{kind} '{name}' does not exist or not authorized."),
        )
    }

    /// 002003 with SQLSTATE 42S02: a missing table (`Table`) or other schema object (`Object`).
    pub fn no_such_object(word: &str, qualified: &str) -> Self {
        Self::new(
            "002003",
            "42S02",
            format!(
                "SQL compilation error:\n{word} '{qualified}' does not exist or not authorized."
            ),
        )
    }

    /// 002043: used by USE and SHOW ... IN on missing objects.
    pub fn cannot_perform() -> Self {
        Self::new(
            "002043",
            "02000",
            "SQL compilation error:\nObject does not exist, or operation cannot be performed.",
        )
    }

    /// 003001: `Insufficient privileges to operate on <what> '<name>'`.
    pub fn insufficient_privileges(what: &str, name: &str) -> Self {
        Self::new(
            "003001",
            "42501",
            format!(
                "SQL access control error:\nInsufficient privileges to operate on {what} '{name}'"
            ),
        )
    }

    /// 090105: no current database.
    pub fn no_current_database(op: &str) -> Self {
        Self::new(
            "090105",
            "22000",
            format!(
                "Cannot perform {op}. This session does not have a current database. Call 'USE DATABASE', or use a qualified name."
            ),
        )
    }

    /// 001008: invalid parameter value.
    pub fn invalid_value(value: &str, param: &str) -> Self {
        Self::new(
            "001008",
            "22023",
            format!("SQL compilation error:\ninvalid value [{value}] for parameter '{param}'"),
        )
    }
}
