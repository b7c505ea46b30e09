//! SHOW statements: the clauses each kind takes come from its `ShowSyntax`
//! (`crate::kinds`); SHOW PARAMETERS and SHOW [FUTURE] GRANTS are parsed here too.

use super::*;

impl Parser {
    pub(super) fn show(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("SHOW")?;
        let terse = self.eat_kw("TERSE");
        let mut s = Show {
            what: ShowWhat::Parameters,
            terse,
            history: false,
            like: None,
            scope: None,
            starts_with: None,
            limit: None,
            from: None,
        };
        let w = self
            .word_at(0)
            .map(str::to_string)
            .ok_or_else(|| self.err())?;
        let start = self.peek().clone();
        self.bump();
        let grants = match w.as_str() {
            _ if terse && matches!(w.as_str(), "PARAMETERS" | "GRANTS" | "FUTURE") => {
                return Err(Self::err_at(&start));
            }
            "PARAMETERS" => {
                if self.eat_kw("LIKE") {
                    s.like = Some(self.string()?);
                }
                if self.eat_kw("IN") || self.eat_kw("FOR") {
                    s.scope = Some(self.scope(&s.what)?);
                }
                return Ok(Stmt::Show(s));
            }
            "GRANTS" => self.show_grants()?,
            "FUTURE" => {
                self.expect_kw("GRANTS")?;
                if self.eat_kw("IN") {
                    let in_schema = if self.eat_kw("SCHEMA") {
                        true
                    } else {
                        self.expect_kw("DATABASE")?;
                        false
                    };
                    ShowGrants::FutureIn(in_schema, self.name(if in_schema { 2 } else { 1 })?)
                } else {
                    self.expect_kw("TO")?;
                    if self.eat_kws(&["DATABASE", "ROLE"]) {
                        ShowGrants::FutureToDatabaseRole(self.name(2)?)
                    } else {
                        self.expect_kw("ROLE")?;
                        ShowGrants::FutureTo(self.ident()?)
                    }
                }
            }
            plural => {
                // Two-word plurals (`RESOURCE MONITORS`).
                let two = self
                    .word_at(0)
                    .and_then(|next| Kind::from_plural(&format!("{plural} {next}")));
                if two.is_some() {
                    self.bump();
                }
                let Some(kind) = two.or_else(|| Kind::from_plural(plural)) else {
                    return Err(Self::err_at(&start));
                };
                let syntax = kind.show_syntax();
                if terse && !syntax.terse {
                    return Err(Self::err_at(&start));
                }
                s.what = ShowWhat::Objects(kind);
                s.history = syntax.history && self.eat_kw("HISTORY");
                if self.eat_kw("LIKE") {
                    s.like = Some(self.string()?);
                }
                if syntax.in_containers && self.eat_kw("IN") {
                    s.scope = Some(self.scope(&s.what)?);
                } else if syntax.in_account && self.eat_kws(&["IN", "ACCOUNT"]) {
                    s.scope = Some(Scope::Account);
                }
                if syntax.paging {
                    if self.eat_kws(&["STARTS", "WITH"]) {
                        s.starts_with = Some(self.string()?);
                    }
                    if self.eat_kw("LIMIT") {
                        s.limit = Some(self.number()?);
                        if self.eat_kw("FROM") {
                            s.from = Some(self.string()?);
                        }
                    }
                }
                return Ok(Stmt::Show(s));
            }
        };
        s.what = ShowWhat::Grants(grants);
        if self.eat_kw("LIMIT") {
            s.limit = Some(self.number()?);
        }
        Ok(Stmt::Show(s))
    }

    pub(super) fn scope(&mut self, what: &ShowWhat) -> Result<Scope, SfError> {
        let params = *what == ShowWhat::Parameters;
        let opt_name = |p: &mut Parser, parts: usize| -> Result<Option<Name>, SfError> {
            if matches!(p.peek().tok, Tok::Word { .. } | Tok::Quoted(_))
                && !p.is_kw("STARTS")
                && !p.is_kw("LIMIT")
            {
                Ok(Some(p.name(parts)?))
            } else {
                Ok(None)
            }
        };
        if self.eat_kw("ACCOUNT") {
            return Ok(Scope::Account);
        }
        if self.eat_kw("DATABASE") {
            return Ok(Scope::Database(opt_name(self, 1)?));
        }
        if self.eat_kw("SCHEMA") {
            return Ok(Scope::Schema(opt_name(self, 2)?));
        }
        if params && self.eat_kw("WAREHOUSE") {
            return Ok(Scope::Warehouse(opt_name(self, 1)?));
        }
        if params && self.eat_kw("USER") {
            return Ok(Scope::User(opt_name(self, 1)?));
        }
        if params && self.eat_kw("SESSION") {
            return Ok(Scope::Session);
        }
        if params {
            return Err(self.err());
        }
        Ok(Scope::Bare(self.name(2)?))
    }
}
