//! Overlay rules: what an `<env>.override.yaml` does to base.yaml.
//!
//! - Maps merge deeply; scalars replace; `null` removes a key (or a whole
//!   resource) in that environment.
//! - Lists replace, except lists of items a kind merges by key (`grants`
//!   of a role, by their `on` target (compared after expansion and normalisation): an override item
//!   replaces every base item with the same target, `remove: true` deletes
//!   them, other items are added.
//! - Resource maps (every kind's section, e.g. `warehouses`) match
//!   names after expansion and identifier folding, so an override may name a
//!   resource as written in base (`PUDO_${env}_WH`) or expanded
//!   (`PUDO_PROD_WH`, `pudo_prod_wh`).
//! - `environments:` belongs to base.yaml only (the loader rejects it in an
//!   override).
//!
//! Component configurations (`config/<name>/`) use the same rules without
//! the resource-specific ones (every map is a plain map, every list
//! replaces).

use super::diagnostics::Diagnostic;
use super::expand::Expander;
use super::source::{Entry, Files, Kind, Node};
use crate::kinds::{self, Kind as ResourceKind, Section, grant};
use crate::model::Ident;
use crate::suggest::did_you_mean;
use std::collections::HashMap;

/// Where in the document a value sits; decides which rules apply.
#[derive(Clone, Copy)]
enum Pos {
    Root,
    /// A kind's mapping of name -> settings (`warehouses`, a database's
    /// `schemas`).
    Resources(&'static ResourceKind),
    Resource(&'static ResourceKind),
    /// A list of items merged by their target (`grants`).
    Grants,
    Plain,
}

impl PartialEq for Pos {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Pos::Resources(a), Pos::Resources(b)) | (Pos::Resource(a), Pos::Resource(b)) => {
                std::ptr::eq(*a, *b)
            }
            (Pos::Root, Pos::Root) | (Pos::Grants, Pos::Grants) | (Pos::Plain, Pos::Plain) => true,
            _ => false,
        }
    }
}

/// Rules of the environments project (`Some`, with the expander used to
/// normalise names) or plain component rules (`None`).
#[derive(Clone, Copy)]
pub(crate) struct Merger<'a> {
    names: Option<Expander<'a>>,
}

impl<'a> Merger<'a> {
    /// Component rules: plain deep merge.
    pub fn plain() -> Merger<'static> {
        Merger { names: None }
    }

    /// Project rules for one environment; `expander` holds the merged vars.
    pub fn project(expander: Expander<'a>) -> Merger<'a> {
        Merger {
            names: Some(expander),
        }
    }

    /// `base` with `overlay` applied.
    pub fn merge(&self, base: &Node, overlay: &Node) -> Node {
        let mut out = base.clone();
        let pos = if self.names.is_some() {
            Pos::Root
        } else {
            Pos::Plain
        };
        self.apply(&mut out, overlay, pos);
        out
    }

    fn apply(&self, target: &mut Node, overlay: &Node, pos: Pos) {
        match (&mut target.kind, &overlay.kind) {
            (Kind::Map(entries), Kind::Map(over)) => self.apply_map(entries, over, pos),
            (Kind::List(items), Kind::List(over)) if pos == Pos::Grants => {
                self.apply_grants(items, over)
            }
            _ => *target = without_nulls(overlay),
        }
    }

    fn child_pos(pos: Pos, key: &str) -> Pos {
        match pos {
            Pos::Root => kinds::ALL
                .iter()
                .find(|k| matches!(k.section, Section::Top(s) if s == key))
                .map_or(Pos::Plain, |k| Pos::Resources(k)),
            Pos::Resources(kind) => Pos::Resource(kind),
            Pos::Resource(parent) => {
                let child = kinds::ALL.iter().find(|k| match k.section {
                    Section::Child { parent: p, key: k } | Section::Items { parent: p, key: k } => {
                        std::ptr::eq(p, parent) && k == key
                    }
                    Section::Top(_) => false,
                });
                match child.map(|c| &c.section) {
                    Some(Section::Child { .. }) => Pos::Resources(child.expect("found")),
                    // Grant items merge by target; other lists replace.
                    Some(Section::Items { .. })
                        if std::ptr::eq(*child.expect("found"), &grant::KIND) =>
                    {
                        Pos::Grants
                    }
                    _ => Pos::Plain,
                }
            }
            _ => Pos::Plain,
        }
    }

    fn key_of(&self, pos: Pos, key: &str) -> String {
        match (pos, self.names) {
            (Pos::Resources(_), Some(x)) => normalize_name(&x, key),
            _ => key.to_string(),
        }
    }

    fn apply_map(&self, entries: &mut Vec<Entry>, over: &[Entry], pos: Pos) {
        if over.is_empty() {
            return;
        }
        let mut index: HashMap<String, usize> = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            index.entry(self.key_of(pos, &e.key)).or_insert(i);
        }
        let mut removed = vec![false; entries.len()];
        for o in over {
            if pos == Pos::Root && o.key == "environments" {
                continue;
            }
            let found = index.get(&self.key_of(pos, &o.key)).copied();
            match (found, o.value.is_null()) {
                (Some(i), true) => removed[i] = true,
                (Some(i), false) => {
                    if removed[i] {
                        // Removed earlier in this override, then written again.
                        removed[i] = false;
                        entries[i].value = without_nulls(&o.value);
                    } else {
                        self.apply(
                            &mut entries[i].value,
                            &o.value,
                            Self::child_pos(pos, &o.key),
                        );
                    }
                }
                // Removing what is not there: nothing to do.
                (None, true) => {}
                (None, false) => {
                    index.insert(self.key_of(pos, &o.key), entries.len());
                    removed.push(false);
                    entries.push(Entry {
                        value: without_nulls(&o.value),
                        ..o.clone()
                    });
                }
            }
        }
        if removed.iter().any(|r| *r) {
            let mut i = 0;
            entries.retain(|_| {
                let keep = !removed[i];
                i += 1;
                keep
            });
        }
    }

    fn apply_grants(&self, items: &mut Vec<Node>, over: &[Node]) {
        let Some(x) = self.names else {
            *items = over.to_vec();
            return;
        };
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(key) = grant_key(&x, item) {
                index.entry(key).or_default().push(i);
            }
        }
        let mut removed = vec![false; items.len()];
        let mut added = Vec::new();
        for o in over {
            let key = grant_key(&x, o);
            let matches = key.as_ref().and_then(|k| index.get(k));
            if is_remove(o) {
                for &i in matches.into_iter().flatten() {
                    removed[i] = true;
                }
                continue;
            }
            match matches {
                Some(found) if !found.is_empty() => {
                    items[found[0]] = o.clone();
                    removed[found[0]] = false;
                    for &i in &found[1..] {
                        removed[i] = true;
                    }
                }
                _ => added.push(o.clone()),
            }
        }
        let mut i = 0;
        items.retain(|_| {
            let keep = !removed[i];
            i += 1;
            keep
        });
        items.extend(added);
    }
}

/// A value an override brings in where base has nothing to merge it with:
/// its `null` map entries remove nothing, so they are dropped (lists are
/// values and stay as written).
fn without_nulls(node: &Node) -> Node {
    match &node.kind {
        Kind::Map(entries) => Node::new(
            Kind::Map(
                entries
                    .iter()
                    .filter(|e| !e.value.is_null())
                    .map(|e| Entry {
                        value: without_nulls(&e.value),
                        ..e.clone()
                    })
                    .collect(),
            ),
            node.at,
        ),
        _ => node.clone(),
    }
}

/// `remove: true` on a grant item.
pub(crate) fn is_remove(item: &Node) -> bool {
    matches!(item.get("remove").map(|n| &n.kind), Some(Kind::Bool(true)))
}

/// A resource name as it will be after expansion and identifier folding;
/// the written text when it does not expand or parse (validation reports
/// that later).
pub(crate) fn normalize_name(x: &Expander<'_>, written: &str) -> String {
    let expanded = x
        .text(written)
        .unwrap_or(std::borrow::Cow::Borrowed(written));
    match Ident::parse(&expanded) {
        Ok(id) => id.as_str().to_string(),
        Err(_) => expanded.into_owned(),
    }
}

/// The normalised `on:` of a grant item.
pub(crate) fn grant_key(x: &Expander<'_>, item: &Node) -> Option<String> {
    let on = item.get("on")?.as_str()?;
    let expanded = x.text(on).unwrap_or(std::borrow::Cow::Borrowed(on));
    Some(match grant::parse_target(&expanded) {
        Ok(target) => target.target_sql(),
        Err(_) => expanded
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase(),
    })
}

/// "Did you mean" warnings for override keys that match nothing in base
/// but are one or two edits from a name that is there. Such a key still
/// adds a new resource (or variable); the warning says so.
pub(crate) fn overlay_warnings(
    base: &Node,
    overlay: &Node,
    x: &Expander<'_>,
    files: &Files,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let top = kinds::ALL.iter().filter_map(|k| match k.section {
        Section::Top(s) => Some((s, Some(*k))),
        _ => None,
    });
    for (section, kind) in top.chain([("vars", None)]) {
        let (Some(b), Some(o)) = (base.get(section), overlay.get(section)) else {
            continue;
        };
        let normalize = kind.is_some();
        unmatched(b, o, section, normalize, x, files, &mut out);
        let children = kinds::ALL.iter().filter_map(|c| match c.section {
            Section::Child { parent, key } if kind.is_some_and(|k| std::ptr::eq(k, parent)) => {
                Some(key)
            }
            _ => None,
        });
        for child in children {
            // Children of resources present on both sides.
            let (Some(bm), Some(om)) = (b.as_map(), o.as_map()) else {
                continue;
            };
            let by_name: HashMap<String, &Entry> =
                bm.iter().map(|e| (normalize_name(x, &e.key), e)).collect();
            for oe in om {
                if let Some(be) = by_name.get(&normalize_name(x, &oe.key))
                    && let (Some(bs), Some(os)) = (be.value.get(child), oe.value.get(child))
                {
                    let path = format!("{section}.{}.{child}", oe.key);
                    unmatched(bs, os, &path, true, x, files, &mut out);
                }
            }
        }
    }
    out
}

fn unmatched(
    base: &Node,
    overlay: &Node,
    path: &str,
    normalize: bool,
    x: &Expander<'_>,
    files: &Files,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(bm), Some(om)) = (base.as_map(), overlay.as_map()) else {
        return;
    };
    let norm = |k: &str| {
        if normalize {
            normalize_name(x, k)
        } else {
            k.to_string()
        }
    };
    let names: Vec<String> = bm.iter().map(|e| norm(&e.key)).collect();
    let known: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    for oe in om {
        let name = norm(&oe.key);
        if known.contains(name.as_str()) {
            continue;
        }
        let Some(suggestion) = did_you_mean(&name, names.iter().map(String::as_str)) else {
            continue;
        };
        let effect = if oe.value.is_null() {
            "so it removes nothing"
        } else {
            "so it adds a new one"
        };
        let what = if path == "vars" {
            "variable"
        } else {
            "resource"
        };
        out.push(
            files.place(
                Diagnostic::warning(format!("`{name}` matches no {what} in base.yaml, {effect}"))
                    .at_key(format!("{path}.{}", oe.key))
                    .with_hint(format!("did you mean `{suggestion}`?")),
                oe.key_at,
            ),
        );
    }
}

/// Plain-rule "did you mean" warnings for a component override: keys at any
/// depth that match nothing in base but are close to a key that is there.
pub(crate) fn plain_warnings(
    base: &Node,
    overlay: &Node,
    path: &str,
    files: &Files,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(bm), Some(om)) = (base.as_map(), overlay.as_map()) else {
        return;
    };
    for oe in om {
        let child = if path.is_empty() {
            oe.key.clone()
        } else {
            format!("{path}.{}", oe.key)
        };
        match bm.iter().find(|be| be.key == oe.key) {
            Some(be) => plain_warnings(&be.value, &oe.value, &child, files, out),
            None => {
                if let Some(s) = did_you_mean(&oe.key, bm.iter().map(|e| e.key.as_str())) {
                    out.push(
                        files.place(
                            Diagnostic::warning(format!(
                                "`{}` is not in base.yaml, so it adds a new key",
                                oe.key
                            ))
                            .at_key(child)
                            .with_hint(format!("did you mean `{s}`?")),
                            oe.key_at,
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::diagnostics::Diagnostics;
    use crate::config::expand::Vars;
    use crate::config::source::{Loaded, parse_bytes};

    fn doc(text: &str) -> Node {
        let mut d = Diagnostics::default();
        match parse_bytes(text.as_bytes(), 0, "t.yaml", &mut d) {
            Loaded::Doc(n) => n,
            Loaded::Failed => panic!("{d}"),
        }
    }

    fn yaml(node: &Node) -> String {
        super::super::source::render_yaml(&node.to_yaml())
    }

    #[test]
    fn plain_rules() {
        let base = doc("a: 1\nb: {x: 1, y: [1, 2]}\nc: keep\nd: gone\n");
        let over = doc("a: 2\nb: {y: [3], z: new}\nd: null\ne: added\n");
        let merged = Merger::plain().merge(&base, &over);
        assert_eq!(
            yaml(&merged),
            "a: 2\nb:\n  x: 1\n  y:\n  - 3\n  z: new\nc: keep\ne: added\n"
        );
        assert_eq!(Merger::plain().merge(&base, &doc("{}")), base);
    }

    #[test]
    fn resources_match_written_or_expanded_names() {
        let vars = Vars::new();
        let x = Expander::new(Some("PROD"), &vars);
        let base =
            doc("warehouses:\n  PUDO_${env}_WH: {size: XSMALL, auto_suspend: 60}\n  OTHER: {}\n");
        let over = doc("warehouses:\n  pudo_prod_wh: {size: LARGE}\n  OTHER: null\n");
        let merged = Merger::project(x).merge(&base, &over);
        assert_eq!(
            yaml(&merged),
            "warehouses:\n  PUDO_${env}_WH:\n    size: LARGE\n    auto_suspend: 60\n"
        );
        let over = doc("warehouses:\n  PUDO_${env}_WH: {auto_suspend: 300}\n");
        let merged = Merger::project(x).merge(&base, &over);
        assert!(yaml(&merged).contains("auto_suspend: 300"));
    }

    #[test]
    fn grants_merge_by_target() {
        let vars = Vars::new();
        let x = Expander::new(Some("DEV"), &vars);
        let base = doc(
            "roles:\n  R:\n    member_of: [SYSADMIN]\n    grants:\n      - {on: database D, privileges: [USAGE]}\n      - {on: \"schema D.S_${env}\", privileges: [USAGE]}\n      - {on: warehouse W, privileges: [USAGE]}\n",
        );
        let over = doc(
            "roles:\n  R:\n    member_of: [PUBLIC]\n    grants:\n      - {on: SCHEMA d.s_dev, privileges: [USAGE, CREATE TABLE]}\n      - {on: warehouse w, remove: true}\n      - {on: account, privileges: [MONITOR USAGE]}\n",
        );
        let merged = Merger::project(x).merge(&base, &over);
        let text = yaml(&merged);
        assert_eq!(
            text,
            "roles:\n  R:\n    member_of:\n    - PUBLIC\n    grants:\n    - on: database D\n      privileges:\n      - USAGE\n    - on: SCHEMA d.s_dev\n      privileges:\n      - USAGE\n      - CREATE TABLE\n    - on: account\n      privileges:\n      - MONITOR USAGE\n"
        );
    }

    #[test]
    fn warns_on_near_misses() {
        let vars = Vars::new();
        let x = Expander::new(Some("PROD"), &vars);
        let base = doc("warehouses:\n  PUDO_${env}_WH: {}\nvars:\n  warehouse_size: X\n");
        let over = doc(
            "warehouses:\n  PUDO_PORD_WH: {size: LARGE}\n  NEW_ONE: {}\nvars:\n  warehouse_sise: L\n",
        );
        let mut files = Files::default();
        files.add("o.yaml".into());
        let w = overlay_warnings(&base, &over, &x, &files);
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(w[0].hint.as_deref(), Some("did you mean `PUDO_PROD_WH`?"));
        assert_eq!(w[0].line, Some(2));
        assert_eq!(w[1].hint.as_deref(), Some("did you mean `warehouse_size`?"));
    }
}
