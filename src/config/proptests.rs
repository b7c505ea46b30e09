//! Property tests for the loader, the merger and validation: arbitrary
//! bytes and YAML-like text never panic; merge rules hold for arbitrary
//! trees. `PROPTEST_CASES=100000 cargo test -p pudo --lib proptests`
//! runs them longer.

use super::diagnostics::Diagnostics;
use super::expand::{Expander, Vars};
use super::merge::Merger;
use super::source::{At, Entry, Files, Kind, Loaded, Node, parse_bytes};
use super::validate::build_model;
use proptest::prelude::*;

fn at() -> At {
    At::default()
}

/// Keys and strings likely to collide and to mean something to pudo.
const WORDS: &[&str] = &[
    "a",
    "b",
    "c",
    "databases",
    "warehouses",
    "roles",
    "schemas",
    "grants",
    "vars",
    "external",
    "environments",
    "shared",
    "size",
    "auto_suspend",
    "member_of",
    "on",
    "privileges",
    "remove",
    "comment",
    "X_${env}",
    "${var.a}",
    "${env}",
    "${var.",
    "database X",
    "schema X.Y",
    "warehouse W_${env}",
    "future tables in schema X.Y",
    "XSMALL",
    "SYSADMIN",
    "USAGE",
    "\"q\"\"x\"",
    "",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_string)
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        Just(Node::new(Kind::Null, at())),
        any::<bool>().prop_map(|b| Node::new(Kind::Bool(b), at())),
        (-5i64..1000).prop_map(|i| Node::new(Kind::Int(i), at())),
        word().prop_map(|s| Node::new(Kind::Str(s), at())),
    ]
}

fn map_of(inner: impl Strategy<Value = Node>) -> impl Strategy<Value = Node> {
    prop::collection::vec((word(), inner), 0..5).prop_map(|pairs| {
        let mut entries: Vec<Entry> = Vec::new();
        for (key, value) in pairs {
            // YAML maps have unique keys.
            if entries.iter().all(|e| e.key != key) {
                entries.push(Entry {
                    key,
                    key_at: at(),
                    value,
                });
            }
        }
        Node::new(Kind::Map(entries), at())
    })
}

fn tree() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| Node::new(Kind::List(items), at())),
            map_of(inner),
        ]
    })
}

/// A document: always a mapping at the top, like a real file.
fn doc() -> impl Strategy<Value = Node> {
    map_of(tree())
}

/// The value at a key path, if any.
fn lookup<'a>(node: &'a Node, path: &[String]) -> Option<&'a Node> {
    match path.split_first() {
        None => Some(node),
        Some((first, rest)) => lookup(node.get(first)?, rest),
    }
}

/// Every (path, scalar) of the maps of `node`, not descending into lists.
fn leaves(node: &Node, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Node)>) {
    match &node.kind {
        Kind::Map(entries) => {
            for e in entries {
                path.push(e.key.clone());
                leaves(&e.value, path, out);
                path.pop();
            }
        }
        _ => out.push((path.clone(), node.clone())),
    }
}

fn model_never_panics(doc: &Node) {
    let mut files = Files::default();
    files.add("base.yaml".into());
    let mut vars = Vars::new();
    vars.insert("a".into(), Node::new(Kind::Str("V".into()), at()));
    for env in [Some("DEV"), None] {
        let _ = build_model(
            doc,
            &files,
            env,
            &vars,
            &super::validate::Settings::default(),
        );
    }
}

proptest! {

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut diags = Diagnostics::default();
        if let Loaded::Doc(doc) = parse_bytes(&bytes, 0, "f.yaml", &mut diags) {
            model_never_panics(&doc);
        }
    }

    #[test]
    fn yaml_like_text_never_panics(text in "([a-z_$.{}\\[\\]:\"'#|>&*!, -]|\n|\n  |\n    |\n- |\t){0,200}") {
        let mut diags = Diagnostics::default();
        if let Loaded::Doc(doc) = parse_bytes(text.as_bytes(), 0, "f.yaml", &mut diags) {
            model_never_panics(&doc);
            let vars = Vars::new();
            let x = Expander::new(Some("DEV"), &vars);
            let _ = Merger::project(x).merge(&doc, &doc);
        }
    }

    #[test]
    fn rendered_trees_parse_back(base in doc()) {
        // Whatever the merger produces renders to YAML that loads again
        // to the same values.
        let text = super::source::render_yaml(&base.to_yaml());
        let mut diags = Diagnostics::default();
        match parse_bytes(text.as_bytes(), 0, "f.yaml", &mut diags) {
            Loaded::Doc(back) => prop_assert_eq!(
                super::source::render_yaml(&back.to_yaml()),
                text
            ),
            Loaded::Failed => prop_assert!(false, "{}\n{}", text, diags),
        }
    }

    #[test]
    fn merging_nothing_changes_nothing(base in doc()) {
        let empty = Node::empty_map(at());
        prop_assert_eq!(&Merger::plain().merge(&base, &empty), &base);
        let vars = Vars::new();
        let x = Expander::new(Some("DEV"), &vars);
        prop_assert_eq!(&Merger::project(x).merge(&base, &empty), &base);
    }

    #[test]
    fn plain_merge_is_idempotent_and_overlay_wins(base in doc(), overlay in doc()) {
        let once = Merger::plain().merge(&base, &overlay);
        let twice = Merger::plain().merge(&once, &overlay);
        prop_assert_eq!(&twice, &once);
        let mut found = Vec::new();
        leaves(&overlay, &mut Vec::new(), &mut found);
        for (path, value) in found {
            let merged = lookup(&once, &path);
            if value.is_null() {
                prop_assert!(merged.is_none(), "{:?} should be removed", path);
            } else if value.as_map().is_none_or(|m| !m.is_empty()) {
                prop_assert_eq!(merged, Some(&value), "at {:?}", path);
            }
        }
        // Keys of base that the overlay does not mention stay.
        if let (Some(b), Some(o)) = (base.as_map(), overlay.as_map()) {
            for e in b {
                if o.iter().all(|oe| oe.key != e.key) {
                    prop_assert_eq!(once.get(&e.key), Some(&e.value));
                }
            }
        }
    }

    #[test]
    fn project_merge_and_model_never_panic(base in doc(), overlay in doc()) {
        let vars = Vars::new();
        for env in ["DEV", "PROD"] {
            let x = Expander::new(Some(env), &vars);
            let merged = Merger::project(x).merge(&base, &overlay);
            model_never_panics(&merged);
        }
    }

    #[test]
    fn expansion_never_panics(text in "[a-z${}. ]{0,40}") {
        let mut vars = Vars::new();
        vars.insert("a".into(), Node::new(Kind::Str("${env}".into()), at()));
        vars.insert("b".into(), Node::new(Kind::Str("${var.a}".into()), at()));
        let x = Expander::new(Some("DEV"), &vars);
        let _ = x.text(&text);
        let _ = x.with_env_allowed(false).scalar(&Node::new(Kind::Str(text), at()));
    }
}
