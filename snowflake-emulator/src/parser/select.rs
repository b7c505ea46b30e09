//! SELECT without FROM: literals, unary minus, function calls and aliases.

use super::*;

impl Parser {
    pub(super) fn select(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("SELECT")?;
        let mut items = Vec::new();
        loop {
            let start = self.i;
            let expr = self.expr()?;
            let text = render_tokens(&self.toks[start..self.i]);
            let aliased = self.eat_kw("AS")
                || matches!(self.peek().tok, Tok::Quoted(_))
                || (matches!(self.peek().tok, Tok::Word { .. }) && !self.is_kw("FROM"));
            let name = if aliased { self.ident()? } else { text };
            items.push(SelectItem { expr, name });
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(Stmt::Select(items))
    }

    pub(super) fn expr(&mut self) -> Result<Expr, SfError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Sym("-") => {
                self.bump();
                Ok(Expr::Neg(Box::new(self.expr()?)))
            }
            Tok::Sym("(") => {
                self.bump();
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Str(_) | Tok::Number(_) => Ok(Expr::Lit(self.value()?)),
            Tok::Word { upper, .. } if ["TRUE", "FALSE", "NULL"].contains(&upper.as_str()) => {
                Ok(Expr::Lit(self.value()?))
            }
            Tok::Word { upper, .. } => {
                let f = upper.clone();
                self.bump();
                // CURRENT_USER etc. may be written without parentheses.
                if !self.is_sym("(") {
                    if matches!(
                        f.as_str(),
                        "CURRENT_USER"
                            | "CURRENT_ROLE"
                            | "CURRENT_DATE"
                            | "CURRENT_TIMESTAMP"
                            | "CURRENT_TIME"
                    ) {
                        return Ok(Expr::Call(f, vec![]));
                    }
                    return Err(Self::err_at(&t));
                }
                self.bump();
                let mut args = Vec::new();
                if !self.is_sym(")") {
                    loop {
                        args.push(self.expr()?);
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                }
                self.expect_sym(")")?;
                Ok(Expr::Call(f, args))
            }
            _ => Err(self.err()),
        }
    }
}

/// Functions that `exec::select` evaluates itself (SELECT without FROM).
const CONTEXT_FUNCTIONS: &[&str] = &[
    "CURRENT_ACCOUNT",
    "CURRENT_ACCOUNT_NAME",
    "CURRENT_ORGANIZATION_NAME",
    "CURRENT_REGION",
    "CURRENT_VERSION",
    "CURRENT_USER",
    "CURRENT_ROLE",
    "CURRENT_ROLE_TYPE",
    "CURRENT_SECONDARY_ROLES",
    "CURRENT_AVAILABLE_ROLES",
    "CURRENT_SESSION",
    "CURRENT_DATABASE",
    "CURRENT_SCHEMA",
    "CURRENT_SCHEMAS",
    "CURRENT_WAREHOUSE",
    "CURRENT_CLIENT",
    "CURRENT_TIMESTAMP",
    "SYSDATE",
    "LOCALTIMESTAMP",
    "IS_ROLE_IN_SESSION",
    "SYSTEM$BOOTSTRAP_DATA_REQUEST",
    "SYSTEM$TASK_DEPENDENTS_ENABLE",
    "SYSTEM$SHOW_ACTIVE_BEHAVIOR_CHANGE_BUNDLES",
];

/// True when the expression uses only literals and the context functions;
/// anything else (UPPER, PARSE_JSON, ...) is left to the SQL engine.
pub(super) fn context_only(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) => true,
        Expr::Neg(x) => context_only(x),
        Expr::Call(f, args) => {
            (CONTEXT_FUNCTIONS.contains(&f.as_str()) || f.starts_with("SYSTEM$"))
                && args.iter().all(context_only)
        }
    }
}

/// Column name Snowflake gives an unaliased select item: its text, upper-cased.
fn render_tokens(toks: &[Token]) -> String {
    let mut s = String::new();
    let mut prev_word = false;
    for t in toks {
        let is_word = matches!(
            t.tok,
            Tok::Word { .. } | Tok::Number(_) | Tok::Str(_) | Tok::Quoted(_)
        );
        if is_word && prev_word {
            s.push(' ');
        }
        match &t.tok {
            Tok::Str(_) | Tok::Quoted(_) => s.push_str(&t.text),
            _ => s.push_str(&t.text.to_ascii_uppercase()),
        }
        prev_word = is_word;
    }
    s.to_ascii_uppercase()
}
