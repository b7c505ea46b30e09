//! Resource identity, generic over kinds.
//!
//! A [`ResourceId`] is a kind ([`KindMeta`], defined by each module of
//! `src/kinds/`) plus the parts that name the object: identifiers, a word
//! (the object type of a future grant), or a nested id (the target of a
//! grant). Its address, its serialized form and its order all follow from
//! the kind's metadata, so that this module never names a particular kind.

use super::Ident;
use serde::ser::{SerializeMap, Serializer};
use smallvec::SmallVec;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// What the model needs to know about a kind: its name, its place in the
/// order of ids, the names of its identity fields, and how its address and
/// its SQL name are written. Everything else about a kind is in
/// `crate::kinds`.
pub struct KindMeta {
    /// The kind word of addresses and of the serialized `kind`/`type` tag.
    pub name: &'static str,
    /// Ids of different kinds sort by rank (state files and plans list
    /// resources in this order).
    pub rank: u8,
    /// The identity fields, in order, with their serialized names.
    pub fields: &'static [Field],
    /// The keyword that names the object in SQL (`WAREHOUSE`), when it is
    /// an object.
    pub keyword: Option<&'static str>,
    /// Writes the address; `None`: `<name>.<part>.<part>`.
    pub address: Option<fn(&ResourceId, &mut String)>,
    /// Writes the id as a grant target after `ON`; `None`: `<KEYWORD> <qualified name>`.
    pub target_sql: Option<fn(&ResourceId, &mut String)>,
    /// The resources this one cannot exist without (from its identity).
    pub references: fn(&ResourceId) -> Vec<ResourceId>,
}

/// The one identity field of an object named in the account.
const NAME_ONLY: &[Field] = &[Field::name("name")];

fn no_references(_: &ResourceId) -> Vec<ResourceId> {
    Vec::new()
}

impl KindMeta {
    /// An object named in the account (`warehouse.NAME`): one `name`
    /// field, the default address and grant target, no identity references.
    pub const fn account_object(name: &'static str, rank: u8, keyword: &'static str) -> KindMeta {
        KindMeta {
            name,
            rank,
            fields: NAME_ONLY,
            keyword: Some(keyword),
            address: None,
            target_sql: None,
            references: no_references,
        }
    }
}

impl fmt::Debug for KindMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// One identity field: its serialized name and what it holds.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub holds: Holds,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// An identifier.
    Name,
    /// A keyword (upper case words).
    Word,
    /// A nested id, serialized with the tag `type`.
    Target,
}

impl Field {
    pub const fn name(name: &'static str) -> Field {
        Field {
            name,
            holds: Holds::Name,
        }
    }
    pub const fn word(name: &'static str) -> Field {
        Field {
            name,
            holds: Holds::Word,
        }
    }
    pub const fn target(name: &'static str) -> Field {
        Field {
            name,
            holds: Holds::Target,
        }
    }
}

/// One part of an identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Name(Ident),
    Word(String),
    Target(Box<ResourceId>),
}

/// The identity of a resource. Its address, its references and the SQL
/// names of the object all follow from it.
#[derive(Clone)]
pub struct ResourceId {
    kind: &'static KindMeta,
    parts: SmallVec<[Part; 2]>,
}

impl ResourceId {
    /// An id of `kind` from its parts, in the order of `kind.fields`.
    pub fn new(kind: &'static KindMeta, parts: impl IntoIterator<Item = Part>) -> ResourceId {
        let parts: SmallVec<[Part; 2]> = parts.into_iter().collect();
        debug_assert_eq!(parts.len(), kind.fields.len(), "parts of {}", kind.name);
        ResourceId { kind, parts }
    }

    /// An id whose parts are all identifiers.
    pub fn named(kind: &'static KindMeta, names: impl IntoIterator<Item = Ident>) -> ResourceId {
        ResourceId::new(kind, names.into_iter().map(Part::Name))
    }

    pub fn kind_meta(&self) -> &'static KindMeta {
        self.kind
    }

    /// The kind word used in addresses and messages.
    pub fn kind(&self) -> &'static str {
        self.kind.name
    }

    pub fn is(&self, kind: &KindMeta) -> bool {
        std::ptr::eq(self.kind, kind)
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The identifier at `i` (panics if that part is not one: a kind's
    /// module knows its own fields).
    pub fn name_at(&self, i: usize) -> &Ident {
        match &self.parts[i] {
            Part::Name(n) => n,
            other => panic!("{}: part {i} is not a name: {other:?}", self.kind.name),
        }
    }

    /// The word at `i` (see [`name_at`](Self::name_at)).
    pub fn word_at(&self, i: usize) -> &str {
        match &self.parts[i] {
            Part::Word(w) => w,
            other => panic!("{}: part {i} is not a word: {other:?}", self.kind.name),
        }
    }

    /// The nested id at `i` (see [`name_at`](Self::name_at)).
    pub fn target_at(&self, i: usize) -> &ResourceId {
        match &self.parts[i] {
            Part::Target(t) => t,
            other => panic!("{}: part {i} is not a target: {other:?}", self.kind.name),
        }
    }

    /// The last identifier: the object's own name.
    pub fn name(&self) -> Option<&Ident> {
        self.parts.iter().rev().find_map(|p| match p {
            Part::Name(n) => Some(n),
            _ => None,
        })
    }

    /// The identifiers joined by dots, each quoted when needed
    /// (`PUDO_MLOPS.SHARED_DATA`).
    pub fn qualified_name(&self) -> String {
        let mut out = String::with_capacity(48);
        self.push_qualified_name(&mut out);
        out
    }

    pub fn push_qualified_name(&self, out: &mut String) {
        let mut first = true;
        for p in &self.parts {
            if let Part::Name(n) = p {
                if !first {
                    out.push('.');
                }
                first = false;
                n.push_sql(out);
            }
        }
    }

    /// Stable address: `database.PUDO_MLOPS`, `schema.PUDO_MLOPS.PUDO_DEV`,
    /// `grant.PUDO_DEV_ROLE.warehouse.PUDO_DEV_WH`. Names that need quoting
    /// appear quoted, so an address always parses back to one object.
    pub fn address(&self) -> String {
        let mut out = String::with_capacity(64);
        self.push_address(&mut out);
        out
    }

    /// Appends [`address`](Self::address) to `out` (pushed piece by piece:
    /// this runs for every node of every plan).
    pub fn push_address(&self, out: &mut String) {
        if let Some(custom) = self.kind.address {
            return custom(self, out);
        }
        out.push_str(self.kind.name);
        for p in &self.parts {
            out.push('.');
            match p {
                Part::Name(n) => n.push_sql(out),
                Part::Word(w) => out.push_str(w),
                Part::Target(t) => t.push_address(out),
            }
        }
    }

    /// The id as written after `ON` in GRANT / REVOKE (`SCHEMA D.S`).
    pub fn target_sql(&self) -> String {
        let mut out = String::with_capacity(48);
        self.push_target_sql(&mut out);
        out
    }

    pub fn push_target_sql(&self, out: &mut String) {
        if let Some(custom) = self.kind.target_sql {
            return custom(self, out);
        }
        out.push_str(self.kind.keyword.unwrap_or(self.kind.name));
        if !self.parts.is_empty() {
            out.push(' ');
            self.push_qualified_name(out);
        }
    }

    /// The resources this one cannot exist without, from its identity.
    /// References to objects pudo does not manage (system roles) are
    /// included; the graph decides what to do with them.
    pub fn references(&self) -> Vec<ResourceId> {
        (self.kind.references)(self)
    }
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        self.kind.rank == other.kind.rank && self.parts == other.parts
    }
}

impl Eq for ResourceId {}

impl PartialOrd for ResourceId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ResourceId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.kind
            .rank
            .cmp(&other.kind.rank)
            .then_with(|| self.parts.cmp(&other.parts))
    }
}

impl Hash for ResourceId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.rank.hash(state);
        self.parts.hash(state);
    }
}

impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceId({})", self.address())
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address())
    }
}

/// Serialized as a map: the tag (`kind`, or `type` for a nested target),
/// then the identity fields by name.
struct Tagged<'a>(&'a ResourceId, &'static str);

impl serde::Serialize for Tagged<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let id = self.0;
        let mut map = serializer.serialize_map(Some(id.parts.len() + 1))?;
        map.serialize_entry(self.1, id.kind.name)?;
        for (field, part) in id.kind.fields.iter().zip(&id.parts) {
            match part {
                Part::Name(n) => map.serialize_entry(field.name, n)?,
                Part::Word(w) => map.serialize_entry(field.name, w)?,
                Part::Target(t) => map.serialize_entry(field.name, &Tagged(t, "type"))?,
            }
        }
        map.end()
    }
}

impl serde::Serialize for ResourceId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Tagged(self, "kind").serialize(serializer)
    }
}
