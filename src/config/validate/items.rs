//! The list items of an entry, read with the special handling their kinds
//! need (see `crate::kinds`): memberships (`member_of`, a user's `roles`),
//! a database role's `member_of`, and privilege grants (`grants:` items
//! with `on`, `privileges` and `remove`).

use super::*;

impl<'a> Builder<'a> {
    /// A list of roles the entry is granted to (`member_of` of a role) or
    /// that are granted to it (`roles` of a user): one `kind` item each.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn member_of(
        &mut self,
        kind: &'static ResourceKind,
        f: &Entry,
        role: &Ident,
        shared: bool,
        role_path: &KeyPath<'_>,
        role_key: &'a str,
        x: Expander<'_>,
    ) {
        let memberships = std::ptr::eq(kind, &role_grant::KIND);
        let path = role_path.key(&f.key);
        let Some(items) = self.list_items(
            &f.value,
            &path,
            "roles",
            Some(format!("write `{}: [SYSADMIN]`", f.key)),
        ) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(text) = self.read_text(item, &p, x) else {
                continue;
            };
            let parent = match Ident::parse(&text) {
                Ok(id) => id,
                Err(err) => {
                    self.error(item.at, &p, format!("invalid role name: {err}"), None);
                    continue;
                }
            };
            let id = ResourceId::named(kind.meta, [role.clone(), parent.clone()]);
            if self.resources.contains_key(&id) {
                continue;
            }
            self.refs.push(Reference {
                from: id.clone(),
                from_shared: shared,
                to: role::id(parent.clone()),
                at: item.at,
                role_key,
                field: "member_of",
                index: i,
                attr_path: (!memberships).then(|| p.to_string()),
            });
            if memberships {
                self.member_edges.push((role.clone(), parent, item.at));
            }
            self.insert(id, shared, Attrs::new(), item.at, &p);
        }
    }

    /// The roles a database role (`names`: its database and name) is
    /// granted to: account roles (`P`) and database roles of its database
    /// (`D.X`).
    pub(super) fn database_role_member_of(
        &mut self,
        f: &Entry,
        names: &[Ident],
        shared: bool,
        role_path: &KeyPath<'_>,
        x: Expander<'_>,
    ) {
        let path = role_path.key("member_of");
        let Some(items) = self.list_items(
            &f.value,
            &path,
            "roles",
            Some("write `member_of: [SYSADMIN, DB.OTHER_DATABASE_ROLE]`".to_string()),
        ) else {
            return;
        };
        let database = &names[0];
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(text) = self.read_text(item, &p, x) else {
                continue;
            };
            let parts = grant::split_dots(&text).unwrap_or_default();
            let idents: Result<Vec<Ident>, _> = parts.iter().map(|p| Ident::parse(p)).collect();
            let to = match idents.as_deref() {
                Ok([r]) => role::id(r.clone()),
                Ok([d, r]) if d == database => database_role::id(d.clone(), r.clone()),
                _ => {
                    self.error(
                        item.at,
                        &p,
                        format!("`{text}` is neither an account role nor a database role of `{database}`"),
                        Some(format!(
                            "write an account role (`SYSADMIN`) or a database role of the same database (`{database}.OTHER`)"
                        )),
                    );
                    continue;
                }
            };
            let id = database_role_member::id(database.clone(), names[1].clone(), to.clone());
            if self.resources.contains_key(&id) {
                continue;
            }
            self.refs.push(Reference {
                from: id.clone(),
                from_shared: shared,
                to,
                at: item.at,
                role_key: "",
                field: "member_of",
                index: i,
                attr_path: Some(p.to_string()),
            });
            self.insert(id, shared, Attrs::new(), item.at, &p);
        }
    }

    /// Privilege grants of a role (`names`: its name) or of a database role
    /// (its database and name: only on objects of that database).
    pub(super) fn grants(
        &mut self,
        f: &Entry,
        names: &[Ident],
        shared: bool,
        role_path: &KeyPath<'_>,
        role_key: &'a str,
        x: Expander<'_>,
    ) {
        let role = &names[0];
        let path = role_path.key("grants");
        let Some(items) = self.list_items(
            &f.value,
            &path,
            "grants",
            Some("write `grants: [{ on: database DB, privileges: [USAGE] }]`".to_string()),
        ) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(fields) = item.as_map() else {
                self.error(
                    item.at,
                    &p,
                    format!(
                        "expected a grant `{{ on: ..., privileges: [...] }}`, found {}",
                        item.type_name()
                    ),
                    None,
                );
                continue;
            };
            if is_remove(item) {
                self.error(
                    item.at,
                    &p,
                    "`remove: true` only has a meaning in an override file".to_string(),
                    Some("in an override it deletes the base grant with the same `on`; here, delete the item".to_string()),
                );
                continue;
            }
            let mut target: Option<ResourceId> = None;
            let mut privileges: Option<Vec<String>> = None;
            let mut saw_on = false;
            let mut saw_privileges = false;
            for g in fields {
                let gp = p.key(&g.key);
                match g.key.as_str() {
                    "on" => {
                        saw_on = true;
                        if let Some(text) = self.read_text(&g.value, &gp, x) {
                            match grant::parse_target(&text) {
                                Ok(t) => target = Some(t),
                                Err(message) => self.error(
                                    g.value.at,
                                    &gp,
                                    message,
                                    Some(format!("grant targets: {}", grant::target_forms())),
                                ),
                            }
                        }
                    }
                    "privileges" => {
                        saw_privileges = true;
                        privileges = self.privileges(&g.value, &gp, x);
                    }
                    "remove" => {}
                    _ => self.unknown_key(g, &p, "a grant", GRANT_KEYS),
                }
            }
            if !saw_on {
                self.error(
                    item.at,
                    &p,
                    "a grant needs `on:` (what it is on)".to_string(),
                    Some(format!("grant targets: {}", grant::target_forms())),
                );
            }
            if !saw_privileges {
                self.error(
                    item.at,
                    &p,
                    "a grant needs `privileges:`".to_string(),
                    Some("e.g. `privileges: [USAGE]`".to_string()),
                );
            }
            let (Some(target), Some(privileges)) = (target, privileges) else {
                continue;
            };
            if privileges.iter().any(|p| p == IMPORTED) {
                let at = item.get("on").map_or(item.at, |n| n.at);
                if !target.is(&kinds::database::META) {
                    self.error(
                        at,
                        &p.key("on"),
                        "IMPORTED PRIVILEGES is granted on a database created from a share".to_string(),
                        Some("write `on: database SHARED_DB` and list the database under `external: { databases: [...] }`".to_string()),
                    );
                    continue;
                }
                if privileges.iter().any(|p| p != IMPORTED) {
                    self.error(
                        at,
                        &p.key("privileges"),
                        "IMPORTED PRIVILEGES is the only privilege a database created from a share takes".to_string(),
                        Some("write `privileges: [IMPORTED PRIVILEGES]` alone".to_string()),
                    );
                    continue;
                }
                self.imported
                    .push((target.clone(), at, p.key("on").to_string()));
            }
            let object = grant::object(&target);
            let (id, attr_path) = match names {
                [database, database_role] => {
                    if let Some((message, hint)) =
                        database_role_grant::refuse_target(database, &target)
                    {
                        let at = item.get("on").map_or(item.at, |n| n.at);
                        self.error(at, &p.key("on"), message, Some(hint));
                        continue;
                    }
                    let id =
                        database_role_grant::id(database.clone(), database_role.clone(), target);
                    (id, Some(p.key("on").to_string()))
                }
                _ => (grant::id(role.clone(), target), None),
            };
            if let Some(existing) = self.resources.get_mut(&id) {
                // Two entries on one target: one grant with both sets.
                if let Some(Value::List(list)) = existing.attrs.get_mut(grant::PRIVILEGES.name) {
                    let merged = canonical::privilege_set(list.drain(..).chain(privileges));
                    *list = merged;
                }
                continue;
            }
            if let Some(object) = object {
                self.refs.push(Reference {
                    from: id.clone(),
                    from_shared: shared,
                    to: object,
                    at: item.at,
                    role_key,
                    field: "grants",
                    index: i,
                    attr_path,
                });
            }
            let mut attrs = Attrs::new();
            attrs.insert(
                grant::PRIVILEGES.name.into(),
                Value::List(canonical::privilege_set(privileges)),
            );
            self.insert(id, shared, attrs, item.at, &p);
        }
    }

    pub(super) fn privileges(
        &mut self,
        node: &Node,
        path: &KeyPath<'_>,
        x: Expander<'_>,
    ) -> Option<Vec<String>> {
        let items = match &node.kind {
            Kind::List(items) => items,
            _ => {
                self.error(
                    node.at,
                    path,
                    format!("expected a list of privileges, found {}", node.type_name()),
                    Some("write `privileges: [USAGE]`".to_string()),
                );
                return None;
            }
        };
        if items.is_empty() {
            self.error(
                node.at,
                path,
                "a grant needs at least one privilege".to_string(),
                Some(
                    "to drop a base grant in an override, write `remove: true` instead".to_string(),
                ),
            );
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let Some(text) = self.read_text(item, &p, x) else {
                ok = false;
                continue;
            };
            match canonical::privilege(&text) {
                Some(c) => out.push(c),
                None => {
                    ok = false;
                    self.error(
                        item.at,
                        &p,
                        format!("`{text}` is not a privilege name"),
                        Some(
                            "privileges are words such as USAGE, SELECT, CREATE TABLE".to_string(),
                        ),
                    );
                }
            }
        }
        ok.then_some(out)
    }
}
