//! SELECT without FROM: literals and the context functions.

use super::{Exec, ORGANIZATION, REGION, VERSION};
use crate::catalog::*;
use crate::error::SfError;
use crate::parser::*;
use crate::result::*;

impl Exec<'_> {
    pub(crate) fn select(&self, items: Vec<SelectItem>) -> Result<QueryResult, SfError> {
        let mut r = QueryResult {
            columns: Vec::new(),
            rows: vec![Vec::new()],
        };
        for it in items {
            let (ty, v) = self.eval(&it.expr)?;
            r.columns.push(Column { name: it.name, ty });
            r.rows[0].push(v);
        }
        Ok(r)
    }

    fn eval(&self, e: &Expr) -> Result<(ColType, Cell), SfError> {
        Ok(match e {
            Expr::Lit(Value::Num(n)) => (ColType::Fixed, Some(n.clone())),
            Expr::Lit(Value::Str(s)) => (ColType::Text, Some(s.clone())),
            Expr::Lit(Value::Bool(b)) => {
                (ColType::Boolean, Some(if *b { "1" } else { "0" }.into()))
            }
            Expr::Lit(_) => (ColType::Text, None),
            Expr::Neg(inner) => match self.eval(inner)? {
                (ColType::Fixed, Some(n)) => (
                    ColType::Fixed,
                    Some(
                        n.strip_prefix('-')
                            .map(str::to_string)
                            .unwrap_or(format!("-{n}")),
                    ),
                ),
                _ => {
                    return Err(SfError::new(
                        "001044",
                        "42P13",
                        "SQL compilation error:\nInvalid argument types for function '-'",
                    ));
                }
            },
            Expr::Call(f, args) => {
                let arity = |n: usize| -> Result<(), SfError> {
                    if args.len() == n {
                        Ok(())
                    } else {
                        Err(SfError::new(
                            "000938",
                            "42601",
                            format!(
                                "SQL compilation error:\nerror line 1 at position 7\nnot enough arguments for function [{f}], expected {n}, got {}",
                                args.len()
                            ),
                        ))
                    }
                };
                let txt = |s: Option<String>| (ColType::Text, s);
                match f.as_str() {
                    "CURRENT_ACCOUNT" | "CURRENT_ACCOUNT_NAME" => {
                        arity(0)?;
                        txt(Some(self.account.name.clone()))
                    }
                    "CURRENT_ORGANIZATION_NAME" => {
                        arity(0)?;
                        txt(Some(ORGANIZATION.into()))
                    }
                    "CURRENT_REGION" => {
                        arity(0)?;
                        txt(Some(REGION.into()))
                    }
                    "CURRENT_VERSION" => {
                        arity(0)?;
                        txt(Some(VERSION.into()))
                    }
                    "CURRENT_USER" => {
                        arity(0)?;
                        txt(Some(self.sess.user.clone()))
                    }
                    "CURRENT_ROLE" => {
                        arity(0)?;
                        txt(Some(self.sess.role.clone()))
                    }
                    "CURRENT_ROLE_TYPE" => {
                        arity(0)?;
                        txt(Some("ROLE".into()))
                    }
                    "CURRENT_SECONDARY_ROLES" => {
                        arity(0)?;
                        let v = if self.sess.secondary_all {
                            let mut roles = self.cat.user_roles(&self.sess.user);
                            roles.retain(|r| *r != self.sess.role);
                            roles.sort();
                            serde_json::json!({"roles": roles.join(","), "value": "ALL"})
                        } else {
                            serde_json::json!({"roles": "", "value": ""})
                        };
                        txt(Some(v.to_string()))
                    }
                    "CURRENT_AVAILABLE_ROLES" => {
                        arity(0)?;
                        txt(Some(
                            serde_json::to_string(&self.available_roles()).unwrap_or_default(),
                        ))
                    }
                    "CURRENT_SESSION" => {
                        arity(0)?;
                        txt(Some(self.sess.id.to_string()))
                    }
                    "CURRENT_DATABASE" => {
                        arity(0)?;
                        txt(self.sess.database.clone())
                    }
                    "CURRENT_SCHEMA" => {
                        arity(0)?;
                        txt(if self.sess.database.is_some() {
                            self.sess.schema.clone()
                        } else {
                            None
                        })
                    }
                    // The search path ($current, $public by default): the current
                    // schema, then PUBLIC of the current database.
                    "CURRENT_SCHEMAS" => {
                        arity(0)?;
                        let mut path: Vec<String> = Vec::new();
                        if let Some(d) = &self.sess.database {
                            for s in [self.sess.schema.as_deref(), Some("PUBLIC")]
                                .into_iter()
                                .flatten()
                            {
                                let full = format!("\"{d}.{s}\"");
                                if !path.contains(&full) {
                                    path.push(full);
                                }
                            }
                        }
                        txt(Some(format!("[{}]", path.join(", "))))
                    }
                    "CURRENT_WAREHOUSE" => {
                        arity(0)?;
                        txt(self.sess.warehouse.clone())
                    }
                    "CURRENT_CLIENT" => {
                        arity(0)?;
                        txt(Some("snowflake-emulator".into()))
                    }
                    "CURRENT_TIMESTAMP" | "SYSDATE" | "LOCALTIMESTAMP" => {
                        (ColType::TimestampLtz, ts(now_ms()))
                    }
                    "IS_ROLE_IN_SESSION" => {
                        arity(1)?;
                        let (_, v) = self.eval(&args[0])?;
                        let Some(name) = v else {
                            return Ok((ColType::Boolean, None));
                        };
                        let roles = self.session_roles();
                        let inside =
                            roles.contains(&name) || roles.contains(&name.to_ascii_uppercase());
                        (
                            ColType::Boolean,
                            Some(if inside { "1" } else { "0" }.into()),
                        )
                    }
                    "SYSTEM$BOOTSTRAP_DATA_REQUEST" => {
                        if args.len() > 1 {
                            arity(1)?;
                        }
                        let doc = serde_json::json!({
                            "serverVersion": VERSION,
                            "accountInfo": {
                                "accountName": self.account.name,
                                "accountLocator": self.account.name,
                                "organizationName": ORGANIZATION,
                                "edition": self.account.edition,
                                "serviceLevelName": self.account.edition,
                                "region": REGION,
                                "cloud": "AWS",
                            },
                            "currentSession": {
                                "id": self.sess.id,
                                "user": self.sess.user,
                                "role": self.sess.role,
                                "database": self.sess.database,
                                "schema": self.sess.schema,
                                "warehouse": self.sess.warehouse,
                            }
                        });
                        txt(Some(doc.to_string()))
                    }
                    // Done by `kinds::task::select_calls` before the SELECT is evaluated.
                    "SYSTEM$TASK_DEPENDENTS_ENABLE" => {
                        arity(1)?;
                        txt(Some(String::new()))
                    }
                    "SYSTEM$SHOW_ACTIVE_BEHAVIOR_CHANGE_BUNDLES" => {
                        arity(0)?;
                        txt(Some(
                            serde_json::json!([
                                {"name": "2025_06", "isDefault": true, "isEnabled": true},
                                {"name": "2025_07", "isDefault": false, "isEnabled": false}
                            ])
                            .to_string(),
                        ))
                    }
                    _ => {
                        return Err(SfError::new(
                            "002140",
                            "42601",
                            format!("SQL compilation error:\nUnknown function {f}"),
                        ));
                    }
                }
            }
        })
    }
}
