//! GRANT / REVOKE of privileges, roles and ownership: privilege lists,
//! grant targets (objects, `ALL / FUTURE <types> IN ...`), SHOW GRANTS variants.

use super::*;

impl Parser {
    pub(super) fn privileges(&mut self) -> Result<Vec<(String, Token)>, SfError> {
        if self.is_kw("ALL")
            && (self.word_at(1) == Some("ON") || self.word_at(1) == Some("PRIVILEGES"))
        {
            self.bump();
            self.eat_kw("PRIVILEGES");
            return Ok(vec![("ALL".into(), self.toks[self.i - 1].clone())]);
        }
        let mut out = Vec::new();
        loop {
            let first = self.peek().clone();
            let mut words = Vec::new();
            while let Some(w) = self.word_at(0) {
                if w == "ON" {
                    break;
                }
                words.push(w.to_string());
                self.bump();
            }
            if words.is_empty() {
                return Err(self.err());
            }
            out.push((words.join(" "), first));
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(out)
    }

    /// Plural object type words up to `IN`, singular and `_`-joined.
    pub(super) fn object_types(&mut self) -> Result<String, SfError> {
        let mut words = Vec::new();
        while let Some(w) = self.word_at(0) {
            if w == "IN" {
                break;
            }
            words.push(w.to_string());
            self.bump();
        }
        if words.is_empty() {
            return Err(self.err());
        }
        let joined = words.join("_");
        let singular = if let Some(s) = joined.strip_suffix("IES") {
            format!("{s}Y")
        } else if let Some(s) = joined.strip_suffix('S') {
            s.to_string()
        } else {
            return Err(Self::err_at(&self.toks[self.i - 1]));
        };
        Ok(singular)
    }

    pub(super) fn target(&mut self) -> Result<GrantTarget, SfError> {
        let t = self.peek().clone();
        let Some(w) = self.word_at(0).map(str::to_string) else {
            return Err(self.err());
        };
        self.bump();
        Ok(match w.as_str() {
            "ACCOUNT" => GrantTarget::Account,
            "DATABASE" => GrantTarget::Database(self.name(1)?),
            "SCHEMA" => GrantTarget::Schema(self.name(2)?),
            "WAREHOUSE" => GrantTarget::Warehouse(self.name(1)?),
            "ROLE" => GrantTarget::Role(self.name(1)?),
            "USER" => GrantTarget::User(self.name(1)?),
            "TABLE" | "VIEW" | "TASK" => GrantTarget::Object(w, self.name(3)?),
            "ALL" | "FUTURE" => {
                let ty = self.object_types()?;
                self.expect_kw("IN")?;
                let in_schema = if self.eat_kw("SCHEMA") {
                    true
                } else {
                    self.expect_kw("DATABASE")?;
                    false
                };
                let name = self.name(if in_schema { 2 } else { 1 })?;
                if w == "ALL" {
                    GrantTarget::All(ty, in_schema, name)
                } else {
                    GrantTarget::Future(ty, in_schema, name)
                }
            }
            _ => return Err(Self::err_at(&t)),
        })
    }

    pub(super) fn check_privileges(
        privs: &[(String, Token)],
        target: &GrantTarget,
    ) -> Result<Vec<String>, SfError> {
        let kind = match target {
            GrantTarget::Account => "ACCOUNT".to_string(),
            GrantTarget::Database(_) => "DATABASE".into(),
            GrantTarget::Schema(_) => "SCHEMA".into(),
            GrantTarget::Warehouse(_) => "WAREHOUSE".into(),
            GrantTarget::Role(_) => "ROLE".into(),
            GrantTarget::User(_) => "USER".into(),
            GrantTarget::Object(k, _) => k.clone(),
            GrantTarget::All(k, ..) | GrantTarget::Future(k, ..) => k.clone(),
        };
        let mut out = Vec::new();
        for (p, tok) in privs {
            if p == "ALL" || privileges::is_valid(&kind, p) {
                out.push(p.clone());
            } else {
                return Err(Self::err_at(tok));
            }
        }
        Ok(out)
    }

    /// `ROLE p | DATABASE ROLE d.x` after TO / FROM.
    fn database_role_to(&mut self) -> Result<DatabaseRoleTo, SfError> {
        if self.eat_kws(&["DATABASE", "ROLE"]) {
            return Ok(DatabaseRoleTo::DatabaseRole(self.name(2)?));
        }
        self.expect_kw("ROLE")?;
        Ok(DatabaseRoleTo::Role(self.ident()?))
    }

    /// `DATABASE ROLE d.r { TO | FROM } ...` after GRANT / REVOKE.
    fn grant_database_role(&mut self, revoke: bool) -> Result<Stmt, SfError> {
        self.expect_kw("DATABASE")?;
        self.expect_kw("ROLE")?;
        let role = self.name(2)?;
        self.expect_kw(if revoke { "FROM" } else { "TO" })?;
        let to = self.database_role_to()?;
        Ok(Stmt::GrantDatabaseRole { revoke, role, to })
    }

    pub(super) fn grant(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("GRANT")?;
        if self.is_kw("DATABASE") && self.word_at(1) == Some("ROLE") {
            return self.grant_database_role(false);
        }
        if self.is_kw("ROLE") && self.word_at(2) == Some("TO")
            || self.is_kw("ROLE") && matches!(self.peek_at(1).tok, Tok::Quoted(_))
        {
            self.bump();
            let role = self.ident()?;
            self.expect_kw("TO")?;
            let to = if self.eat_kw("USER") {
                GranteeSpec::User(self.ident()?)
            } else {
                self.expect_kw("ROLE")?;
                GranteeSpec::Role(self.ident()?)
            };
            return Ok(Stmt::GrantRole { role, to });
        }
        if self.is_kw("OWNERSHIP") && self.word_at(1) == Some("ON") {
            self.bump();
            self.bump();
            let target = self.target()?;
            self.expect_kw("TO")?;
            self.eat_kw("ROLE");
            let role = self.ident()?;
            let copy = if self.eat_kws(&["COPY", "CURRENT", "GRANTS"]) {
                Some(true)
            } else if self.eat_kws(&["REVOKE", "CURRENT", "GRANTS"]) {
                Some(false)
            } else {
                None
            };
            return Ok(Stmt::GrantOwnership { target, role, copy });
        }
        let privs = self.privileges()?;
        self.expect_kw("ON")?;
        let target = self.target()?;
        let privileges = Self::check_privileges(&privs, &target)?;
        self.expect_kw("TO")?;
        if self.eat_kws(&["DATABASE", "ROLE"]) {
            return Ok(Stmt::GrantToDatabaseRole {
                revoke: false,
                privileges,
                target,
                role: self.name(2)?,
            });
        }
        self.eat_kw("ROLE");
        let role = self.ident()?;
        let grant_option = self.eat_kws(&["WITH", "GRANT", "OPTION"]);
        Ok(Stmt::Grant {
            privileges,
            target,
            role,
            grant_option,
        })
    }

    pub(super) fn revoke(&mut self) -> Result<Stmt, SfError> {
        self.expect_kw("REVOKE")?;
        if self.is_kw("DATABASE") && self.word_at(1) == Some("ROLE") {
            return self.grant_database_role(true);
        }
        if self.is_kw("ROLE")
            && (self.word_at(2) == Some("FROM") || matches!(self.peek_at(1).tok, Tok::Quoted(_)))
        {
            self.bump();
            let role = self.ident()?;
            self.expect_kw("FROM")?;
            let from = if self.eat_kw("USER") {
                GranteeSpec::User(self.ident()?)
            } else {
                self.expect_kw("ROLE")?;
                GranteeSpec::Role(self.ident()?)
            };
            return Ok(Stmt::RevokeRole { role, from });
        }
        let grant_option_for = self.eat_kws(&["GRANT", "OPTION", "FOR"]);
        let privs = self.privileges()?;
        self.expect_kw("ON")?;
        let target = self.target()?;
        let privileges = Self::check_privileges(&privs, &target)?;
        self.expect_kw("FROM")?;
        if self.eat_kws(&["DATABASE", "ROLE"]) {
            let role = self.name(2)?;
            let _ = self.eat_kw("RESTRICT") || self.eat_kw("CASCADE");
            return Ok(Stmt::GrantToDatabaseRole {
                revoke: true,
                privileges,
                target,
                role,
            });
        }
        self.eat_kw("ROLE");
        let role = self.ident()?;
        let _ = self.eat_kw("RESTRICT") || self.eat_kw("CASCADE");
        Ok(Stmt::Revoke {
            grant_option_for,
            privileges,
            target,
            role,
        })
    }

    pub(super) fn show_grants(&mut self) -> Result<ShowGrants, SfError> {
        if self.eat_kw("TO") {
            if self.eat_kws(&["DATABASE", "ROLE"]) {
                return Ok(ShowGrants::ToDatabaseRole(self.name(2)?));
            }
            if self.eat_kw("ROLE") {
                return Ok(ShowGrants::To(GranteeSpec::Role(self.ident()?)));
            }
            self.expect_kw("USER")?;
            return Ok(ShowGrants::To(GranteeSpec::User(self.ident()?)));
        }
        if self.eat_kw("OF") {
            if self.eat_kws(&["DATABASE", "ROLE"]) {
                return Ok(ShowGrants::OfDatabaseRole(self.name(2)?));
            }
            self.expect_kw("ROLE")?;
            return Ok(ShowGrants::Of(self.ident()?));
        }
        if self.eat_kw("ON") {
            let t = self.peek().clone();
            let target = self.target()?;
            if matches!(target, GrantTarget::All(..) | GrantTarget::Future(..)) {
                return Err(Self::err_at(&t));
            }
            return Ok(ShowGrants::On(target));
        }
        Ok(ShowGrants::Current)
    }
}
