//! Recorded state: the [`State`] value and its file store (format, atomic
//! write, backup, lock).
//!
//! `state/<stack>.json` records what pudo created in a stack, with each
//! resource's canonical managed attributes. The file format is a versioned
//! contract ([`FORMAT_VERSION`], documented in `docs/state.md`); the store
//! ([`StateStore`]) writes it atomically, keeps the previous version as
//! `<stack>.json.backup`, and guards writers with `<stack>.lock`.

mod backend;
mod local;
mod lock;
pub mod snowflake;
mod store;

pub use backend::{Backend, HeldLock};
pub use local::FileBackend;
pub use lock::{LockInfo, StateLock};
pub use store::{LockedStore, StateStore};

use crate::model::{Attrs, ResourceId, StackName};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the state file format this pudo reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The folder (under the project root) that holds state files.
pub const STATE_DIR: &str = "state";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error(
        "state file `{path}` is corrupt: {message}\n  hint: it was left untouched; restore it from git or from `{path}.backup`"
    )]
    Corrupt { path: String, message: String },
    #[error(
        "state file `{path}` has format version {found}, newer than the {FORMAT_VERSION} this pudo understands\n  hint: upgrade pudo; the file was left untouched"
    )]
    NewerFormat { path: String, found: u64 },
    #[error(
        "state file `{path}` belongs to stack `{found}`, not `{expected}`\n  hint: was it copied or renamed by hand? The file was left untouched"
    )]
    WrongStack {
        path: String,
        found: String,
        expected: String,
    },
    #[error(
        "the state of stack `{stack}` is locked by {holder}\n  hint: wait for that run to finish; if it is gone (crashed, machine lost), run `pudo state unlock -e {stack}`"
    )]
    Locked {
        stack: String,
        holder: Box<LockInfo>,
    },
    #[error(
        "the lock `{path}` is unreadable: {message}\n  hint: if no pudo run is active, `pudo state unlock` removes it"
    )]
    BadLock { path: String, message: String },
    #[error(
        "the state on disk changed since it was read (lineage `{expected}` -> `{found}`)\n  hint: another process wrote it without the lock; plan again"
    )]
    LineageChanged { expected: String, found: String },
    #[error("{message}")]
    Backend { message: String },
    #[error(
        "the state of stack `{stack}` was not written: {message}\n  hint: another run wrote it or took its lock; nothing of this write was recorded, plan again"
    )]
    Conflict { stack: String, message: String },
    #[error(
        "the state of stack `{stack}` could not be saved: {cause}\n  recorded: {recorded}\n  hint: once Snowflake (or the disk) is reachable again, run `pudo apply -e {stack}` again: changes marked pending run their idempotent recovery SQL, so nothing is lost or applied twice. If this run could not release its lock either, that apply takes it over on this host; from another host run `pudo state unlock -e {stack} --force` first"
    )]
    SaveFailed {
        stack: String,
        cause: Box<StateError>,
        /// What the recorded state holds now.
        recorded: String,
    },
    #[error("no resource at address `{address}` in the state of stack `{stack}`{}", did_you_mean(.suggestion))]
    UnknownAddress {
        address: String,
        stack: String,
        suggestion: Option<String>,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("\n  hint: did you mean `{s}`?"))
        .unwrap_or_default()
}

/// One recorded resource: its identity, its address (redundant with the id,
/// kept for people and `grep`), and its canonical managed attributes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedResource {
    pub address: String,
    pub id: ResourceId,
    pub attrs: Attrs,
}

/// A promotion gate an apply skipped: who, when, why, and the serial of
/// the first state write of that apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateSkip {
    /// The environment the gate checks promotion from (e.g. `STAGING`).
    pub from: String,
    pub reason: String,
    pub user: String,
    pub host: String,
    /// RFC 3339, UTC.
    pub time: String,
    pub serial: u64,
}

impl std::fmt::Display for GateSkip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "promotion gate from {} skipped at {} by `{}` on host `{}` (serial {}): {}",
            self.from, self.time, self.user, self.host, self.serial, self.reason
        )
    }
}

/// The recorded state of one stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub format_version: u32,
    /// Random id fixed when the state is first written (empty until then);
    /// a saved plan or a writer with another lineage is talking about
    /// another state.
    pub lineage: String,
    /// +1 on every write.
    pub serial: u64,
    /// The pudo version that last wrote the file.
    pub pudo_version: String,
    pub stack: StackName,
    /// Addresses of changes an apply started but had not recorded when the
    /// file was written. After a crash, the next apply runs these changes'
    /// idempotent `recovery_sql` (see `docs/state.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
    /// Every promotion gate an apply skipped with `--skip-gate REASON`,
    /// oldest first (see `docs/promotion.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gate_skips: Vec<GateSkip>,
    /// By id; written as an array in id order.
    #[serde(with = "resources_as_list")]
    pub resources: BTreeMap<ResourceId, RecordedResource>,
}

impl State {
    /// The state of a stack nothing was recorded for yet: serial 0, no
    /// lineage (the first write draws one, fixed from then on).
    pub fn empty(stack: &StackName) -> State {
        State {
            format_version: FORMAT_VERSION,
            lineage: String::new(),
            serial: 0,
            pudo_version: env!("CARGO_PKG_VERSION").to_string(),
            stack: stack.clone(),
            pending: Vec::new(),
            gate_skips: Vec::new(),
            resources: BTreeMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn get(&self, id: &ResourceId) -> Option<&RecordedResource> {
        self.resources.get(id)
    }

    pub fn contains(&self, id: &ResourceId) -> bool {
        self.resources.contains_key(id)
    }

    pub fn by_address(&self, address: &str) -> Option<&RecordedResource> {
        self.resources.values().find(|r| r.address == address)
    }

    /// Records (or replaces) a resource with its attributes.
    pub fn upsert(&mut self, id: ResourceId, attrs: Attrs) {
        let address = id.address();
        self.resources
            .insert(id.clone(), RecordedResource { address, id, attrs });
    }

    pub fn remove(&mut self, id: &ResourceId) -> Option<RecordedResource> {
        self.resources.remove(id)
    }

    /// Marks a change as started (see [`State::pending`]).
    pub fn begin(&mut self, address: &str) {
        if !self.pending.iter().any(|a| a == address) {
            self.pending.push(address.to_string());
        }
    }

    /// Serialized form (what the store writes).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a state always serializes");
        text.push('\n');
        text
    }
}

/// A random id: 128 bits from the OS (uuid v4).
pub fn new_lineage() -> String {
    uuid::Uuid::new_v4().to_string()
}

mod resources_as_list {
    use super::RecordedResource;
    use crate::model::ResourceId;
    use serde::{Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<ResourceId, RecordedResource>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<ResourceId, RecordedResource>, D::Error> {
        struct List;
        impl<'de> serde::de::Visitor<'de> for List {
            type Value = BTreeMap<ResourceId, RecordedResource>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                // pudo writes the list in id order: while it is, the map is
                // built in one go at the end, without a search per resource.
                let mut list: Vec<(ResourceId, RecordedResource)> =
                    Vec::with_capacity(seq.size_hint().unwrap_or(0));
                let mut map = loop {
                    let Some(mut resource) = seq.next_element::<RecordedResource>()? else {
                        return Ok(list.into_iter().collect());
                    };
                    // The id is the truth; the address is derived from it.
                    resource.address = resource.id.address();
                    if list.last().is_none_or(|(last, _)| *last < resource.id) {
                        list.push((resource.id.clone(), resource));
                        continue;
                    }
                    // Out of order (edited by hand?): a map from here on.
                    let mut map: BTreeMap<_, _> = list.into_iter().collect();
                    if map.insert(resource.id.clone(), resource).is_some() {
                        return Err(serde::de::Error::custom("a resource is recorded twice"));
                    }
                    break map;
                };
                while let Some(mut resource) = seq.next_element::<RecordedResource>()? {
                    resource.address = resource.id.address();
                    if map.insert(resource.id.clone(), resource).is_some() {
                        return Err(serde::de::Error::custom("a resource is recorded twice"));
                    }
                }
                Ok(map)
            }
        }
        deserializer.deserialize_seq(List)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Ident, Value};

    #[test]
    fn state_round_trips_and_lists_resources_in_id_order() {
        let stack = StackName::for_environment("DEV");
        let mut state = State::empty(&stack);
        let mut attrs = Attrs::new();
        attrs.insert("comment".into(), Value::Text("it's \"x\"\n".into()));
        state.upsert(crate::kinds::role::id(Ident::parse("R").unwrap()), attrs);
        state.upsert(
            crate::kinds::database::id(Ident::parse("\"lower\"").unwrap()),
            Attrs::new(),
        );
        let json = state.to_json();
        let back: State = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
        let addresses: Vec<_> = back
            .resources
            .values()
            .map(|r| r.address.as_str())
            .collect();
        assert_eq!(addresses, vec!["database.\"lower\"", "role.R"]);
        assert!(!json.contains("pending"));

        // A list out of id order (edited by hand) reads the same; a
        // resource listed twice is refused, in or out of order.
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let list = value["resources"].as_array_mut().unwrap();
        list.reverse();
        let reversed: State = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(reversed, state);
        for at in [0, 2] {
            let mut twice = value.clone();
            let list = twice["resources"].as_array_mut().unwrap();
            let first = list[0].clone();
            list.insert(at, first);
            let err = serde_json::from_value::<State>(twice).unwrap_err();
            assert!(err.to_string().contains("recorded twice"), "{err}");
        }
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let list = value["resources"].as_array_mut().unwrap();
        let last = list[1].clone();
        list.push(last);
        let err = serde_json::from_value::<State>(value).unwrap_err();
        assert!(err.to_string().contains("recorded twice"), "{err}");
    }
}
