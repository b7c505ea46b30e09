//! Recursive-descent parser for the subset of Snowflake SQL the emulator
//! implements. Anything else is a 001003 syntax error at the first token
//! that does not fit, as Snowflake reports it.
//!
//! This module holds the statement types, the token helpers and the DDL
//! statements; `grant.rs` parses GRANT / REVOKE and their targets, `show.rs`
//! the SHOW statements, `select.rs` SELECT.

mod grant;
mod select;
mod show;

use crate::error::SfError;
use crate::kinds::Kind;
use crate::kinds::props::Stage;
use crate::lexer::{Tok, Token, tokenize};
use crate::privileges;

pub type Name = Vec<String>;

/// A name given as a string (`'db.schema.t'`, `'"Mixed"'`), as in
/// `IDENTIFIER('...')` or `SYSTEM$TASK_DEPENDENTS_ENABLE('...')`: unquoted
/// parts fold to upper case.
pub fn name_from_string(s: &str) -> Name {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = s.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            '.' if !quoted => {
                parts.push(if was_quoted {
                    std::mem::take(&mut cur)
                } else {
                    std::mem::take(&mut cur).to_ascii_uppercase()
                });
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    parts.push(if was_quoted {
        cur
    } else {
        cur.to_ascii_uppercase()
    });
    parts
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(String),
    /// Unquoted word (upper-cased) or quoted identifier.
    Ident(String),
    Bool(bool),
    Null,
    List(Vec<Value>),
}

impl Value {
    /// Text form used when storing a parameter or property.
    pub fn text(&self) -> String {
        match self {
            Value::Str(s) | Value::Num(s) | Value::Ident(s) => s.clone(),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Null => "NULL".into(),
            Value::List(v) => v.iter().map(|x| x.text()).collect::<Vec<_>>().join(","),
        }
    }
}

/// A property with the position of its name (for errors raised later).
pub type Prop = (String, Value);

#[derive(Debug, Clone, PartialEq)]
pub enum AlterAction {
    Set(Vec<Prop>),
    Unset(Vec<String>),
    Rename(Name),
    ManagedAccess(bool),
    Suspend,
    Resume {
        if_suspended: bool,
    },
    AbortAllQueries,
    /// `ALTER TASK ... { ADD | REMOVE } AFTER t, ...`.
    TaskAfter {
        add: bool,
        names: Vec<Name>,
    },
    /// `ALTER TASK ... MODIFY AS <sql>`: the text as written.
    ModifyAs(String),
    /// `ALTER TASK ... MODIFY WHEN <expr>`.
    ModifyWhen(String),
    /// `ALTER TASK ... REMOVE WHEN`.
    RemoveWhen,
}

/// The parts of `CREATE TASK` that are not properties.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskSpec {
    /// `AFTER t1, t2`.
    pub after: Vec<Name>,
    /// `WHEN <expr>`, as written.
    pub when: Option<String>,
    /// `AS <sql>`, as written, to the end of the statement.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum GrantTarget {
    Account,
    Database(Name),
    Schema(Name),
    Warehouse(Name),
    /// Schema object: kind (`TABLE`, `VIEW`, ...) and name.
    Object(String, Name),
    Role(Name),
    User(Name),
    /// `ALL <types> IN { DATABASE | SCHEMA } <name>`: singular type, in_schema, name.
    All(String, bool, Name),
    /// `FUTURE <types> IN { DATABASE | SCHEMA } <name>`.
    Future(String, bool, Name),
}

/// Who a database role is granted to.
#[derive(Debug, Clone, PartialEq)]
pub enum DatabaseRoleTo {
    Role(String),
    DatabaseRole(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub enum GranteeSpec {
    Role(String),
    User(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShowGrants {
    /// `SHOW GRANTS` alone: to the current user.
    Current,
    To(GranteeSpec),
    Of(String),
    On(GrantTarget),
    FutureIn(bool, Name),
    FutureTo(String),
    /// `SHOW GRANTS TO DATABASE ROLE d.r`.
    ToDatabaseRole(Name),
    /// `SHOW GRANTS OF DATABASE ROLE d.r`.
    OfDatabaseRole(Name),
    /// `SHOW FUTURE GRANTS TO DATABASE ROLE d.r`.
    FutureToDatabaseRole(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Account,
    /// `IN DATABASE [name]`; None = current database.
    Database(Option<Name>),
    /// `IN SCHEMA [name]`.
    Schema(Option<Name>),
    Warehouse(Option<Name>),
    User(Option<Name>),
    Session,
    /// `IN <name>` without a keyword.
    Bare(Name),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShowWhat {
    /// `SHOW <plural>` of an object kind.
    Objects(Kind),
    Parameters,
    Grants(ShowGrants),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Show {
    pub what: ShowWhat,
    pub terse: bool,
    pub history: bool,
    pub like: Option<String>,
    pub scope: Option<Scope>,
    pub starts_with: Option<String>,
    pub limit: Option<usize>,
    pub from: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Value),
    Call(String, Vec<Expr>),
    Neg(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    pub expr: Expr,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UseWhat {
    Role(String),
    Warehouse(String),
    Database(String),
    Schema(Name),
    SecondaryRoles(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    Create {
        kind: Kind,
        or_replace: bool,
        if_not_exists: bool,
        transient: bool,
        managed_access: bool,
        name: Name,
        props: Vec<Prop>,
        columns: Vec<(String, String)>,
        task: Option<TaskSpec>,
    },
    Alter {
        kind: Kind,
        if_exists: bool,
        name: Name,
        action: AlterAction,
    },
    AlterSession(AlterAction),
    AlterAccount(AlterAction),
    Drop {
        kind: Kind,
        if_exists: bool,
        name: Name,
    },
    Use(UseWhat),
    Grant {
        privileges: Vec<String>,
        target: GrantTarget,
        role: String,
        grant_option: bool,
    },
    Revoke {
        grant_option_for: bool,
        privileges: Vec<String>,
        target: GrantTarget,
        role: String,
    },
    GrantRole {
        role: String,
        to: GranteeSpec,
    },
    RevokeRole {
        role: String,
        from: GranteeSpec,
    },
    GrantOwnership {
        target: GrantTarget,
        role: String,
        copy: Option<bool>,
    },
    /// `{ GRANT | REVOKE } privs ON target { TO | FROM } DATABASE ROLE d.r`.
    GrantToDatabaseRole {
        revoke: bool,
        privileges: Vec<String>,
        target: GrantTarget,
        role: Name,
    },
    /// `{ GRANT | REVOKE } DATABASE ROLE d.r { TO | FROM } { ROLE p | DATABASE ROLE d.x }`.
    GrantDatabaseRole {
        revoke: bool,
        role: Name,
        to: DatabaseRoleTo,
    },
    Show(Show),
    Describe {
        kind: Kind,
        name: Name,
    },
    Select(Vec<SelectItem>),
    Transaction(&'static str),
    /// `EXECUTE TASK name`.
    ExecuteTask(Name),
    /// A query with FROM or a DML statement, run by `crate::sql_engine`:
    /// its text and the request's `bindings`.
    Sql {
        text: String,
        binds: serde_json::Value,
    },
}

impl Stmt {
    /// Counter bucket for `/emulator/stats`.
    pub fn kind_label(&self) -> &'static str {
        match self {
            Stmt::Create { .. } => "create",
            Stmt::Alter { .. } | Stmt::AlterSession(_) | Stmt::AlterAccount(_) => "alter",
            Stmt::Drop { .. } => "drop",
            Stmt::Use(_) => "use",
            Stmt::Grant { .. } | Stmt::GrantRole { .. } | Stmt::GrantOwnership { .. } => "grant",
            Stmt::Revoke { .. } | Stmt::RevokeRole { .. } => "revoke",
            Stmt::GrantToDatabaseRole { revoke, .. } | Stmt::GrantDatabaseRole { revoke, .. } => {
                if *revoke {
                    "revoke"
                } else {
                    "grant"
                }
            }
            Stmt::Show(_) => "show",
            Stmt::Select(_) => "select",
            Stmt::Describe { .. } | Stmt::Transaction(_) | Stmt::ExecuteTask(_) => "other",
            Stmt::Sql { text, .. } => {
                if crate::sql_engine::is_query(text) {
                    "select"
                } else {
                    "other"
                }
            }
        }
    }
}

pub fn parse(sql: &str) -> Result<Stmt, SfError> {
    let native = parse_native(sql);
    // Queries with FROM (or functions the context SELECT does not know) and DML
    // go to the SQL engine.
    let to_engine = match &native {
        Err(_) => true,
        Ok(Stmt::Select(items)) => items.iter().any(|i| !select::context_only(&i.expr)),
        Ok(_) => false,
    };
    if to_engine && crate::sql_engine::handles(sql) {
        return Ok(Stmt::Sql {
            text: sql.to_string(),
            binds: serde_json::Value::Null,
        });
    }
    native
}

fn parse_native(sql: &str) -> Result<Stmt, SfError> {
    let toks = tokenize(sql)?;
    let mut p = Parser {
        toks,
        i: 0,
        src: sql.chars().collect(),
    };
    let stmt = p.statement()?;
    p.eat_sym(";");
    if !matches!(p.peek().tok, Tok::Eof) {
        return Err(p.err());
    }
    Ok(stmt)
}

/// Session parameters accepted by ALTER SESSION / ALTER ACCOUNT (stored, not acted upon).
const ANY_PARAM: &[&str] = &[];

struct Parser {
    toks: Vec<Token>,
    i: usize,
    /// The statement's characters (token offsets index them), for text taken as written.
    src: Vec<char>,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.toks[self.i]
    }
    fn peek_at(&self, n: usize) -> &Token {
        &self.toks[(self.i + n).min(self.toks.len() - 1)]
    }
    fn err(&self) -> SfError {
        let t = self.peek();
        SfError::syntax_at(t.line, t.pos, &t.text)
    }
    fn err_at(t: &Token) -> SfError {
        SfError::syntax_at(t.line, t.pos, &t.text)
    }
    fn bump(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }
    fn word_at(&self, n: usize) -> Option<&str> {
        match &self.peek_at(n).tok {
            Tok::Word { upper, .. } => Some(upper),
            _ => None,
        }
    }
    fn is_kw(&self, kw: &str) -> bool {
        self.word_at(0) == Some(kw)
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if kws
            .iter()
            .enumerate()
            .all(|(n, k)| self.word_at(n) == Some(k))
        {
            for _ in kws {
                self.bump();
            }
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, kw: &str) -> Result<(), SfError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.err())
        }
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek().tok, Tok::Sym(x) if x == s)
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn expect_sym(&mut self, s: &str) -> Result<(), SfError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.err())
        }
    }
    fn ident(&mut self) -> Result<String, SfError> {
        match &self.peek().tok {
            Tok::Word { upper, .. } => {
                let u = upper.clone();
                self.bump();
                Ok(u)
            }
            Tok::Quoted(s) => {
                let s = s.clone();
                self.bump();
                Ok(s)
            }
            _ => Err(self.err()),
        }
    }
    fn name(&mut self, max_parts: usize) -> Result<Name, SfError> {
        let mut parts = vec![self.ident()?];
        while self.is_sym(".") {
            if parts.len() >= max_parts {
                return Err(self.err());
            }
            self.bump();
            if self.is_sym(".") {
                // `db..obj` means the PUBLIC schema.
                parts.push("PUBLIC".into());
                continue;
            }
            parts.push(self.ident()?);
        }
        Ok(parts)
    }
    fn string(&mut self) -> Result<String, SfError> {
        match &self.peek().tok {
            Tok::Str(s) => {
                let s = s.clone();
                self.bump();
                Ok(s)
            }
            _ => Err(self.err()),
        }
    }
    fn number(&mut self) -> Result<usize, SfError> {
        match &self.peek().tok {
            Tok::Number(n) => {
                let v = n.parse().map_err(|_| self.err())?;
                self.bump();
                Ok(v)
            }
            _ => Err(self.err()),
        }
    }

    fn value(&mut self) -> Result<Value, SfError> {
        let t = self.peek().clone();
        let v = match &t.tok {
            Tok::Str(s) => Value::Str(s.clone()),
            Tok::Number(n) => Value::Num(n.clone()),
            Tok::Sym("-") => {
                self.bump();
                match &self.peek().tok {
                    Tok::Number(n) => Value::Num(format!("-{n}")),
                    _ => return Err(self.err()),
                }
            }
            Tok::Word { upper, .. } if upper == "TRUE" => Value::Bool(true),
            Tok::Word { upper, .. } if upper == "FALSE" => Value::Bool(false),
            Tok::Word { upper, .. } if upper == "NULL" => Value::Null,
            Tok::Word { upper, .. } => Value::Ident(upper.clone()),
            Tok::Quoted(s) => Value::Ident(s.clone()),
            Tok::Sym("(") => {
                self.bump();
                let mut items = Vec::new();
                if !self.is_sym(")") {
                    loop {
                        items.push(self.value()?);
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                }
                self.expect_sym(")")?;
                return Ok(Value::List(items));
            }
            _ => return Err(self.err()),
        };
        self.bump();
        Ok(v)
    }

    /// `NAME = value` pairs (commas optional), names from `allowed`
    /// (empty `allowed` accepts any word).
    fn props(&mut self, allowed: &[&str]) -> Result<Vec<Prop>, SfError> {
        let mut out = Vec::new();
        while let Some(w) = self.word_at(0).map(str::to_string) {
            if !matches!(self.peek_at(1).tok, Tok::Sym("=")) {
                break;
            }
            if !allowed.is_empty() && !allowed.contains(&w.as_str()) {
                return Err(self.err());
            }
            self.bump();
            self.bump();
            out.push((w, self.value()?));
            self.eat_sym(",");
        }
        Ok(out)
    }

    fn statement(&mut self) -> Result<Stmt, SfError> {
        let Some(w) = self.word_at(0).map(str::to_string) else {
            return Err(self.err());
        };
        match w.as_str() {
            "CREATE" => self.create(),
            "ALTER" => self.alter(),
            "DROP" => self.drop(),
            "USE" => self.use_(),
            "GRANT" => self.grant(),
            "REVOKE" => self.revoke(),
            "SHOW" => self.show(),
            "DESC" | "DESCRIBE" => self.describe(),
            "SELECT" => self.select(),
            "EXECUTE" => {
                self.bump();
                self.expect_kw("TASK")?;
                Ok(Stmt::ExecuteTask(self.name(3)?))
            }
            "BEGIN" | "START" => {
                self.bump();
                if w == "START" {
                    self.expect_kw("TRANSACTION")?;
                } else {
                    let _ = self.eat_kw("TRANSACTION") || self.eat_kw("WORK");
                }
                Ok(Stmt::Transaction("begin"))
            }
            "COMMIT" | "ROLLBACK" => {
                self.bump();
                self.eat_kw("WORK");
                Ok(Stmt::Transaction(if w == "COMMIT" {
                    "commit"
                } else {
                    "rollback"
                }))
            }
            _ => Err(self.err()),
        }
    }

    fn kind(&mut self) -> Result<Kind, SfError> {
        // Two-word keywords first (`RESOURCE MONITOR`).
        if let (Some(a), Some(b)) = (self.word_at(0), self.word_at(1))
            && let Some(k) = Kind::from_keyword(&format!("{a} {b}"))
        {
            self.bump();
            self.bump();
            return Ok(k);
        }
        let Some(k) = self.word_at(0).and_then(Kind::from_keyword) else {
            return Err(self.err());
        };
        self.bump();
        Ok(k)
    }

    /// `TRIGGERS ON n PERCENT DO { SUSPEND | SUSPEND_IMMEDIATE | NOTIFY } ...`
    /// (after `TRIGGERS`) as the `TRIGGERS` property: `n:ACTION,...`.
    fn triggers(&mut self) -> Result<Prop, SfError> {
        let mut items = Vec::new();
        while self.eat_kw("ON") {
            let percent = self.number()?;
            self.expect_kw("PERCENT")?;
            self.expect_kw("DO")?;
            let action = match self.word_at(0) {
                Some(a @ ("SUSPEND" | "SUSPEND_IMMEDIATE" | "NOTIFY")) => a.to_string(),
                _ => return Err(self.err()),
            };
            self.bump();
            items.push(Value::Str(format!("{percent}:{action}")));
        }
        Ok(("TRIGGERS".to_string(), Value::List(items)))
    }

    fn max_parts(kind: Kind) -> usize {
        kind.max_parts()
    }

    fn create(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("CREATE")?;
        let or_replace = self.eat_kws(&["OR", "REPLACE"]);
        let transient = self.eat_kw("TRANSIENT");
        let kind = self.kind()?;
        if transient && !matches!(kind, Kind::Database | Kind::Schema | Kind::Table) {
            return Err(Self::err_at(&self.toks[self.i - 1]));
        }
        let if_not_exists = if self.is_kw("IF") {
            if or_replace {
                return Err(self.err());
            }
            self.bump();
            self.expect_kw("NOT")?;
            self.expect_kw("EXISTS")?;
            true
        } else {
            false
        };
        let name = self.name(Self::max_parts(kind))?;
        let mut managed_access = false;
        let mut columns = Vec::new();
        if kind == Kind::Schema && self.eat_kws(&["WITH", "MANAGED", "ACCESS"]) {
            managed_access = true;
        }
        if kind == Kind::Table {
            self.expect_sym("(")?;
            loop {
                let col = self.ident()?;
                let mut ty = String::new();
                // Column type: words, numbers and parenthesised arguments up to `,` or `)`.
                let mut depth = 0;
                loop {
                    match &self.peek().tok {
                        Tok::Sym(",") | Tok::Sym(")") if depth == 0 => break,
                        Tok::Sym("(") => depth += 1,
                        Tok::Sym(")") => depth -= 1,
                        Tok::Eof => return Err(self.err()),
                        _ => {}
                    }
                    let t = self.bump();
                    // String literals (DEFAULT 'x') keep their case.
                    if matches!(t.tok, Tok::Str(_)) {
                        ty.push_str(&t.text);
                    } else {
                        ty.push_str(&t.text.to_ascii_uppercase());
                    }
                }
                if ty.is_empty() {
                    return Err(self.err());
                }
                columns.push((col, ty));
                if !self.eat_sym(",") {
                    break;
                }
            }
            self.expect_sym(")")?;
        }
        if matches!(kind, Kind::Warehouse | Kind::ResourceMonitor) {
            self.eat_kw("WITH");
        }
        let mut props = self.props(&kind.prop_names(Stage::Create))?;
        if kind == Kind::ResourceMonitor && self.eat_kw("TRIGGERS") {
            props.push(self.triggers()?);
        }
        let task = if kind == Kind::Task {
            let mut spec = TaskSpec::default();
            if self.eat_kw("AFTER") {
                spec.after = self.names()?;
                // Properties may also follow the AFTER list.
                props.extend(self.props(&kind.prop_names(Stage::Create))?);
            }
            if self.eat_kw("WHEN") {
                spec.when = Some(self.text_until_as()?);
            }
            self.expect_kw("AS")?;
            spec.body = self.rest()?;
            Some(spec)
        } else {
            None
        };
        Ok(Stmt::Create {
            kind,
            or_replace,
            if_not_exists,
            transient,
            managed_access,
            name,
            props,
            columns,
            task,
        })
    }

    /// `name [, name ...]` (task names, up to three parts).
    fn names(&mut self) -> Result<Vec<Name>, SfError> {
        let mut out = vec![self.name(3)?];
        while self.eat_sym(",") {
            out.push(self.name(3)?);
        }
        Ok(out)
    }

    /// The source text from the current token to the end of the statement
    /// (a trailing `;` and surrounding blanks left out); moves to the end.
    fn rest(&mut self) -> Result<String, SfError> {
        if matches!(self.peek().tok, Tok::Eof) || self.is_sym(";") && self.at_last_semicolon() {
            return Err(self.err());
        }
        let start = self.peek().off;
        while !matches!(self.peek().tok, Tok::Eof) {
            self.bump();
        }
        let mut end = self.peek().off;
        // Leave out a final `;` token.
        if let Some(t) = self.toks.iter().rev().nth(1)
            && matches!(t.tok, Tok::Sym(";"))
            && t.off >= start
        {
            end = t.off;
        }
        let text: String = self.src[start..end.min(self.src.len())].iter().collect();
        Ok(text.trim().to_string())
    }

    fn at_last_semicolon(&self) -> bool {
        matches!(self.peek_at(1).tok, Tok::Eof)
    }

    /// The source text of a boolean expression up to the `AS` that ends it
    /// (outside parentheses); stops before `AS`.
    fn text_until_as(&mut self) -> Result<String, SfError> {
        let start = self.peek().off;
        let mut depth = 0i32;
        loop {
            match &self.peek().tok {
                Tok::Eof => return Err(self.err()),
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => depth -= 1,
                Tok::Word { upper, .. } if upper == "AS" && depth == 0 => break,
                _ => {}
            }
            self.bump();
        }
        let end = self.peek().off;
        let text: String = self.src[start..end].iter().collect();
        let text = text.trim().to_string();
        if text.is_empty() {
            return Err(self.err());
        }
        Ok(text)
    }

    fn alter(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("ALTER")?;
        if self.eat_kw("SESSION") {
            return Ok(Stmt::AlterSession(self.set_unset(ANY_PARAM)?));
        }
        if self.eat_kw("ACCOUNT") {
            return Ok(Stmt::AlterAccount(self.set_unset(ANY_PARAM)?));
        }
        let kind = self.kind()?;
        if kind == Kind::Table {
            return Err(Self::err_at(&self.toks[self.i - 1]));
        }
        let if_exists = self.eat_kws(&["IF", "EXISTS"]);
        let name = self.name(Self::max_parts(kind))?;
        let action = if kind == Kind::Task {
            self.alter_task()?
        } else if self.eat_kw("RENAME") {
            self.expect_kw("TO")?;
            AlterAction::Rename(self.name(Self::max_parts(kind))?)
        } else if kind == Kind::Schema && self.eat_kws(&["ENABLE", "MANAGED", "ACCESS"]) {
            AlterAction::ManagedAccess(true)
        } else if kind == Kind::Schema && self.eat_kws(&["DISABLE", "MANAGED", "ACCESS"]) {
            AlterAction::ManagedAccess(false)
        } else if kind == Kind::Warehouse && self.eat_kw("SUSPEND") {
            AlterAction::Suspend
        } else if kind == Kind::Warehouse && self.eat_kw("RESUME") {
            AlterAction::Resume {
                if_suspended: self.eat_kws(&["IF", "SUSPENDED"]),
            }
        } else if kind == Kind::Warehouse && self.eat_kws(&["ABORT", "ALL", "QUERIES"]) {
            AlterAction::AbortAllQueries
        } else if kind == Kind::ResourceMonitor && (self.is_kw("SET") || self.is_kw("TRIGGERS")) {
            // `[SET ...] [TRIGGERS ...]`.
            let mut props = Vec::new();
            if self.eat_kw("SET") {
                props = self.props(&kind.prop_names(Stage::Set))?;
                if props.is_empty() {
                    return Err(self.err());
                }
            }
            if self.eat_kw("TRIGGERS") {
                props.push(self.triggers()?);
            }
            AlterAction::Set(props)
        } else {
            let stage = if self.is_kw("UNSET") {
                Stage::Unset
            } else {
                Stage::Set
            };
            let allowed = kind.prop_names(stage);
            if allowed.is_empty() {
                return Err(self.err());
            }
            self.set_unset(&allowed)?
        };
        Ok(Stmt::Alter {
            kind,
            if_exists,
            name,
            action,
        })
    }

    /// `SUSPEND | RESUME | SET ... | UNSET ... | { ADD | REMOVE } AFTER t, ... |
    /// MODIFY AS <sql> | MODIFY WHEN <expr> | REMOVE WHEN` (no RENAME for tasks).
    fn alter_task(&mut self) -> Result<AlterAction, SfError> {
        Ok(if self.eat_kw("SUSPEND") {
            AlterAction::Suspend
        } else if self.eat_kw("RESUME") {
            AlterAction::Resume {
                if_suspended: false,
            }
        } else if self.eat_kws(&["ADD", "AFTER"]) {
            AlterAction::TaskAfter {
                add: true,
                names: self.names()?,
            }
        } else if self.eat_kws(&["REMOVE", "AFTER"]) {
            AlterAction::TaskAfter {
                add: false,
                names: self.names()?,
            }
        } else if self.eat_kws(&["REMOVE", "WHEN"]) {
            AlterAction::RemoveWhen
        } else if self.eat_kws(&["MODIFY", "AS"]) {
            AlterAction::ModifyAs(self.rest()?)
        } else if self.eat_kws(&["MODIFY", "WHEN"]) {
            let start = self.peek().off;
            if matches!(self.peek().tok, Tok::Eof) {
                return Err(self.err());
            }
            let mut end = start;
            while !(matches!(self.peek().tok, Tok::Eof)
                || self.is_sym(";") && self.at_last_semicolon())
            {
                let t = self.bump();
                end = t.off + t.text.chars().count();
            }
            AlterAction::ModifyWhen(
                self.src[start..end]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string(),
            )
        } else {
            let stage = if self.is_kw("UNSET") {
                Stage::Unset
            } else {
                Stage::Set
            };
            self.set_unset(&Kind::Task.prop_names(stage))?
        })
    }

    fn set_unset(&mut self, allowed: &[&str]) -> Result<AlterAction, SfError> {
        if self.eat_kw("SET") {
            let props = self.props(allowed)?;
            if props.is_empty() {
                return Err(self.err());
            }
            Ok(AlterAction::Set(props))
        } else if self.eat_kw("UNSET") {
            let mut names = Vec::new();
            loop {
                let w = self
                    .word_at(0)
                    .map(str::to_string)
                    .ok_or_else(|| self.err())?;
                if !allowed.is_empty() && !allowed.contains(&w.as_str()) {
                    return Err(self.err());
                }
                self.bump();
                names.push(w);
                if !self.eat_sym(",") {
                    break;
                }
            }
            Ok(AlterAction::Unset(names))
        } else {
            Err(self.err())
        }
    }

    fn drop(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("DROP")?;
        let kind = self.kind()?;
        let if_exists = self.eat_kws(&["IF", "EXISTS"]);
        let name = self.name(Self::max_parts(kind))?;
        if matches!(kind, Kind::Database | Kind::Schema | Kind::Table) {
            let _ = self.eat_kw("CASCADE") || self.eat_kw("RESTRICT");
        }
        Ok(Stmt::Drop {
            kind,
            if_exists,
            name,
        })
    }

    fn use_(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("USE")?;
        let what = if self.eat_kw("ROLE") {
            UseWhat::Role(self.ident()?)
        } else if self.eat_kw("WAREHOUSE") {
            UseWhat::Warehouse(self.ident()?)
        } else if self.eat_kw("DATABASE") {
            UseWhat::Database(self.ident()?)
        } else if self.eat_kw("SCHEMA") {
            UseWhat::Schema(self.name(2)?)
        } else if self.eat_kws(&["SECONDARY", "ROLES"]) {
            if self.eat_kw("ALL") {
                UseWhat::SecondaryRoles(true)
            } else if self.eat_kw("NONE") {
                UseWhat::SecondaryRoles(false)
            } else {
                return Err(self.err());
            }
        } else {
            // `USE <db>[.<schema>]`
            let n = self.name(2)?;
            if n.len() == 1 {
                UseWhat::Database(n[0].clone())
            } else {
                UseWhat::Schema(n)
            }
        };
        Ok(Stmt::Use(what))
    }

    /// Privilege words up to `ON`: returns (privilege, first token) pairs, or `ALL`.
    fn describe(&mut self) -> Result<Stmt, SfError> {
        self.bump();
        let kind = self.kind()?;
        if matches!(kind, Kind::Role) {
            return Err(Self::err_at(&self.toks[self.i - 1]));
        }
        let name = self.name(Self::max_parts(kind))?;
        Ok(Stmt::Describe { kind, name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_warehouse_props() {
        let s = parse("create warehouse if not exists wh with warehouse_size = 'X-SMALL' auto_suspend=60 comment='c'").unwrap();
        match s {
            Stmt::Create {
                kind: Kind::Warehouse,
                if_not_exists: true,
                name,
                props,
                ..
            } => {
                assert_eq!(name, vec!["WH"]);
                assert_eq!(
                    props[0],
                    ("WAREHOUSE_SIZE".into(), Value::Str("X-SMALL".into()))
                );
                assert_eq!(props.len(), 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_error_position() {
        let e = parse("CREATE DATABASE x BOGUS").unwrap_err();
        assert_eq!(e.code, "001003");
        assert!(
            e.message
                .contains("line 1 at position 18 unexpected 'BOGUS'"),
            "{}",
            e.message
        );
        assert_eq!(parse("SELEC 1").unwrap_err().code, "001003");
    }

    #[test]
    fn grants() {
        let s =
            parse("GRANT CREATE TABLE, USAGE ON SCHEMA db.s TO ROLE r WITH GRANT OPTION").unwrap();
        assert!(matches!(
            s,
            Stmt::Grant {
                grant_option: true,
                ..
            }
        ));
        assert!(parse("GRANT SELECT ON DATABASE d TO ROLE r").is_err());
        let s = parse("grant select on future tables in schema d.s to role r").unwrap();
        assert!(
            matches!(s, Stmt::Grant { target: GrantTarget::Future(ref t, true, _), .. } if t == "TABLE")
        );
        assert!(matches!(
            parse("GRANT ROLE a TO ROLE b").unwrap(),
            Stmt::GrantRole { .. }
        ));
    }

    #[test]
    fn select_names() {
        let Stmt::Select(items) = parse("select current_role(), 1 as x, current_user").unwrap()
        else {
            panic!()
        };
        assert_eq!(items[0].name, "CURRENT_ROLE()");
        assert_eq!(items[1].name, "X");
        assert_eq!(items[2].name, "CURRENT_USER");
    }
}
