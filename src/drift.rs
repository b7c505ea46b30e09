//! Drift: the recorded state of a stack compared with what live Snowflake
//! holds, as a [`Report`] value; and the two other uses of a live read:
//! the refreshed state `plan --refresh` diffs against, and the attributes
//! `import` records. Pure: the live side comes in as a [`Live`] value.
//!
//! What is compared (see `docs/drift.md`): only attributes the state
//! records and SHOW reports ([`live::readable`]); a Snowflake default that
//! pudo does not manage is never drift. The JSON form of [`Report`] is a
//! versioned contract ([`FORMAT_VERSION`]).

use crate::kinds::{self, DriftForm, Naming as KindNaming, grant, role_grant};
use crate::live::{self, Live};
use crate::model::{Attrs, Ident, Model, ResourceId, StackName, Value};

pub use crate::kinds::grant::FutureCover;
use crate::plan::{Action, Blocker, Plan};
use crate::state::State;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Version of the `pudo drift --format json` document.
pub const FORMAT_VERSION: u32 = 1;

/// One attribute whose live value differs from the recorded one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttrDrift {
    pub name: String,
    /// `null` when the state records no value (never for `changed`).
    pub recorded: Option<Value>,
    /// `null` when Snowflake shows none (e.g. a comment that was unset).
    pub live: Option<Value>,
}

/// What happened to one resource outside pudo.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// Attributes of a recorded object changed.
    Changed { attributes: Vec<AttrDrift> },
    /// A recorded database, schema, warehouse or role no longer exists.
    Dropped,
    /// A recorded grant: privileges granted or revoked on its target.
    Privileges {
        granted: Vec<String>,
        revoked: Vec<String>,
    },
    /// A recorded role membership (`GRANT ROLE r TO ROLE p`) was revoked.
    MembershipRevoked,
    /// Privileges held by a role this stack manages, on a target no state
    /// records.
    GrantedOutside { privileges: Vec<String> },
    /// A role granted to, or receiving, a role this stack manages, which no
    /// state records.
    MembershipGrantedOutside,
    /// (`--unmanaged`) An object named like the stack's objects that no
    /// state records.
    Unmanaged,
}

impl Finding {
    /// Short words for tables and lists.
    pub fn describe(&self) -> &'static str {
        match self {
            Finding::Changed { .. } => "changed outside pudo",
            Finding::Dropped => "dropped outside pudo",
            Finding::Privileges { .. } => "privileges changed outside pudo",
            Finding::MembershipRevoked => "membership revoked outside pudo",
            Finding::GrantedOutside { .. } => "privileges granted outside pudo",
            Finding::MembershipGrantedOutside => "membership granted outside pudo",
            Finding::Unmanaged => "not in any state",
        }
    }

    /// The symbol shown before the address: `~` changed, `-` gone, `+`
    /// added outside pudo, `?` unmanaged.
    pub fn symbol(&self) -> &'static str {
        match self {
            Finding::Changed { .. } | Finding::Privileges { .. } => "~",
            Finding::Dropped | Finding::MembershipRevoked => "-",
            Finding::GrantedOutside { .. } | Finding::MembershipGrantedOutside => "+",
            Finding::Unmanaged => "?",
        }
    }
}

/// One resource that drifted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub address: String,
    #[serde(flatten)]
    pub finding: Finding,
}

/// Counts by finding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub changed: usize,
    pub dropped: usize,
    pub privileges: usize,
    pub membership_revoked: usize,
    pub granted_outside: usize,
    pub membership_granted_outside: usize,
    pub unmanaged: usize,
}

/// How the live state was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    pub queries: usize,
    pub sessions: usize,
    pub elapsed_ms: u64,
}

impl ReadStats {
    pub fn of(live: &Live) -> ReadStats {
        ReadStats {
            queries: live.queries,
            sessions: live.sessions,
            elapsed_ms: live.elapsed.as_millis() as u64,
        }
    }
}

/// The outcome of `pudo drift`. Its serde form is the JSON output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub format_version: u32,
    pub pudo_version: String,
    pub stack: StackName,
    pub environment: Option<String>,
    /// State serial compared against.
    pub serial: u64,
    /// Recorded resources compared.
    pub checked: usize,
    /// True when nothing drifted.
    pub clean: bool,
    pub summary: Summary,
    /// In address order.
    pub drift: Vec<Item>,
    /// Whether unmanaged objects were looked for (`--unmanaged`).
    pub unmanaged_checked: bool,
    pub read: ReadStats,
}

/// Which unrecorded objects count as "following the stack's names".
#[derive(Clone, Debug, Default)]
pub struct Naming {
    /// For an environment stack, its name (`DEV`): a name holding it as an
    /// `_`-separated word follows the stack. `None` for the shared stack.
    pub environment: Option<String>,
    /// Every declared environment (a shared-stack candidate holds none).
    pub all_environments: Vec<String>,
    /// Databases whose schemas are examined.
    pub databases: BTreeSet<Ident>,
    /// The leading words (up to the first `_`) of the names this stack
    /// records, by kind; the shared stack's candidates must share one.
    pub leading_words: BTreeSet<(&'static str, String)>,
}

impl Naming {
    /// The naming rule of `stack`, from its recorded state.
    pub fn of(stack: &StackName, recorded: &State, environments: &[String]) -> Naming {
        let mut naming = Naming {
            environment: (!stack.is_shared()).then(|| stack.as_str().to_ascii_uppercase()),
            all_environments: environments
                .iter()
                .map(|e| e.to_ascii_uppercase())
                .collect(),
            ..Naming::default()
        };
        for id in recorded.resources.keys() {
            match kinds::of(id).naming {
                KindNaming::Account { container, .. } => {
                    let name = id.name_at(0);
                    if container {
                        naming.databases.insert(name.clone());
                    }
                    naming.leading_words.insert((id.kind(), leading_word(name)));
                }
                KindNaming::InDatabase { .. } => {
                    naming.databases.insert(id.name_at(0).clone());
                }
                KindNaming::None => {}
            }
        }
        naming
    }

    /// Does an object no state records follow this stack's names?
    fn follows(&self, id: &ResourceId) -> bool {
        let kind = kinds::of(id);
        let Some(name) = id.name() else {
            return false;
        };
        let needs_leading_word = match kind.naming {
            KindNaming::Account { system, .. } => {
                if system.contains(&name.as_str()) {
                    return false;
                }
                true
            }
            KindNaming::InDatabase { system } => {
                if !self.databases.contains(id.name_at(0)) || system.contains(&name.as_str()) {
                    return false;
                }
                false
            }
            KindNaming::None => return false,
        };
        match &self.environment {
            Some(env) => has_word(name, env),
            None => {
                if self.all_environments.iter().any(|e| has_word(name, e)) {
                    return false;
                }
                !needs_leading_word
                    || self
                        .leading_words
                        .contains(&(id.kind(), leading_word(name)))
            }
        }
    }
}

fn leading_word(name: &Ident) -> String {
    let upper = name.as_str().to_ascii_uppercase();
    upper.split('_').next().unwrap_or_default().to_string()
}

/// `PUDO_DEV_WH` has the word `DEV`; `DEVELOP_WH` does not.
fn has_word(name: &Ident, word: &str) -> bool {
    name.as_str()
        .to_ascii_uppercase()
        .split('_')
        .any(|part| part == word)
}

/// Compares the recorded state of a stack with the live read.
///
/// `recorded_anywhere` holds every id recorded by any stack: a grant or an
/// object one of them records is not "outside pudo". `naming` is given
/// with `--unmanaged`.
pub fn compare(
    recorded: &State,
    live: &Live,
    recorded_anywhere: &BTreeSet<ResourceId>,
    naming: Option<&Naming>,
) -> Vec<Item> {
    let mut items: Vec<Item> = Vec::new();
    let mut gone: BTreeSet<&ResourceId> = BTreeSet::new();
    // Objects first, so that what went with a dropped object is not
    // reported again.
    for (id, resource) in &recorded.resources {
        if !kinds::of(id).is_object() {
            continue;
        }
        match live.resources.get(id) {
            None => {
                gone.insert(id);
                items.push(Item {
                    address: id.address(),
                    finding: Finding::Dropped,
                });
            }
            Some(now) => {
                let attributes = attribute_drift(id, &resource.attrs, now);
                if !attributes.is_empty() {
                    items.push(Item {
                        address: id.address(),
                        finding: Finding::Changed { attributes },
                    });
                }
            }
        }
    }
    let went_with_a_drop = |id: &ResourceId| id.references().iter().any(|r| gone.contains(r));
    let cover = FutureCover::of(recorded.resources.iter().map(|(id, r)| (id, &r.attrs)));
    for (id, resource) in &recorded.resources {
        match kinds::of(id).drift {
            DriftForm::Privileges => {
                if went_with_a_drop(id) {
                    continue;
                }
                // `ALL TABLES IN SCHEMA` while no table holds a grant:
                // nothing to compare.
                if grant::is_all_grant(id) && !live.resources.contains_key(id) {
                    continue;
                }
                let was = privileges(&resource.attrs);
                let now = live
                    .resources
                    .get(id)
                    .map(|a| privileges(&cover.strip(id, a, &[Some(&resource.attrs)])))
                    .unwrap_or_default();
                let granted: Vec<String> = now.difference(&was).cloned().collect();
                let revoked: Vec<String> = was.difference(&now).cloned().collect();
                if !granted.is_empty() || !revoked.is_empty() {
                    items.push(Item {
                        address: id.address(),
                        finding: Finding::Privileges { granted, revoked },
                    });
                }
            }
            DriftForm::Membership if !went_with_a_drop(id) && !live.resources.contains_key(id) => {
                items.push(Item {
                    address: id.address(),
                    finding: Finding::MembershipRevoked,
                });
            }
            _ => {}
        }
    }
    // Grants to the roles this stack manages that no state records.
    let managed_roles: BTreeSet<&Ident> = recorded
        .resources
        .keys()
        .filter(|id| id.is(&kinds::role::META))
        .map(|id| id.name_at(0))
        .collect();
    // Roles and database roles: grants to either are read alike.
    let managed_grantees: BTreeSet<&ResourceId> = recorded
        .resources
        .keys()
        .filter(|id| id.is(&kinds::role::META) || id.is(&kinds::database_role::META))
        .collect();
    for (id, attrs) in &live.other_grants {
        if recorded_anywhere.contains(id) {
            continue;
        }
        match kinds::of(id).drift {
            DriftForm::Privileges
                if grant::grantee_and_target(id)
                    .is_some_and(|(grantee, _)| managed_grantees.contains(&grantee)) =>
            {
                let privileges: Vec<String> = privileges(&cover.strip(id, attrs, &[]))
                    .into_iter()
                    .collect();
                if !privileges.is_empty() {
                    items.push(Item {
                        address: id.address(),
                        finding: Finding::GrantedOutside { privileges },
                    });
                }
            }
            // Account roles and users (a database role's memberships are
            // read for the database roles a stack records only).
            DriftForm::Membership
                if !id.is(&kinds::database_role_member::META)
                    && (managed_roles.contains(role_grant::roles(id).0)
                        || managed_roles.contains(role_grant::roles(id).1)) =>
            {
                items.push(Item {
                    address: id.address(),
                    finding: Finding::MembershipGrantedOutside,
                });
            }
            _ => {}
        }
    }
    if let Some(naming) = naming {
        for id in &live.listed {
            if !recorded_anywhere.contains(id) && naming.follows(id) {
                items.push(Item {
                    address: id.address(),
                    finding: Finding::Unmanaged,
                });
            }
        }
    }
    items.sort_by(|a, b| a.address.cmp(&b.address));
    items.dedup();
    items
}

/// The recorded attributes whose live value differs (only attributes SHOW
/// reports; privileges are compared as sets elsewhere).
fn attribute_drift(id: &ResourceId, recorded: &Attrs, live: &Attrs) -> Vec<AttrDrift> {
    let kind = kinds::of(id);
    recorded
        .iter()
        .filter(|(name, _)| {
            kind.readable(name)
                && kind
                    .attr(name)
                    .is_none_or(|a| !matches!(a.ty, kinds::AttrType::Privileges))
        })
        .filter(|(name, value)| live.get(name.as_str()) != Some(value))
        .map(|(name, value)| AttrDrift {
            name: name.clone(),
            recorded: Some(value.clone()),
            live: live.get(name.as_str()).cloned(),
        })
        .collect()
}

fn privileges(attrs: &Attrs) -> BTreeSet<String> {
    grant::privileges(attrs).iter().cloned().collect()
}

/// Builds the report value.
pub fn report(
    recorded: &State,
    environment: Option<String>,
    items: Vec<Item>,
    unmanaged_checked: bool,
    live: &Live,
) -> Report {
    let mut summary = Summary::default();
    for item in &items {
        let slot = match item.finding {
            Finding::Changed { .. } => &mut summary.changed,
            Finding::Dropped => &mut summary.dropped,
            Finding::Privileges { .. } => &mut summary.privileges,
            Finding::MembershipRevoked => &mut summary.membership_revoked,
            Finding::GrantedOutside { .. } => &mut summary.granted_outside,
            Finding::MembershipGrantedOutside => &mut summary.membership_granted_outside,
            Finding::Unmanaged => &mut summary.unmanaged,
        };
        *slot += 1;
    }
    Report {
        format_version: FORMAT_VERSION,
        pudo_version: env!("CARGO_PKG_VERSION").to_string(),
        stack: recorded.stack.clone(),
        environment,
        serial: recorded.serial,
        checked: recorded.len(),
        clean: items.is_empty(),
        summary,
        drift: items,
        unmanaged_checked,
        read: ReadStats::of(live),
    }
}

/// The attributes to record for a resource, from its live attributes:
/// the keys in `keys`; readable ones from `live` (absent when Snowflake
/// shows none), the others (`initially_suspended`) from `fallback`.
pub fn live_attrs<'a>(
    id: &ResourceId,
    keys: impl IntoIterator<Item = &'a String>,
    live: &Attrs,
    fallback: &[Option<&Attrs>],
) -> Attrs {
    let mut out = Attrs::new();
    for key in keys {
        let value = if live::readable(id, key) {
            live.get(key.as_str())
        } else {
            fallback.iter().flatten().find_map(|a| a.get(key.as_str()))
        };
        if let Some(value) = value {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// A recorded state whose resources are what Snowflake holds now, for the
/// recorded and desired resources of `stack` that exist live. Attributes
/// are restricted to the keys recorded or desired; those SHOW does not
/// report keep their recorded (else desired) value. Lineage and serial stay
/// those of `recorded`, so a saved refreshed plan binds to the same state.
///
/// Also returns the desired resources that exist live but are not
/// recorded: they need `pudo import` before an apply.
pub fn refreshed_state(
    desired: &Model,
    stack: &StackName,
    recorded: &State,
    live: &Live,
) -> (State, Vec<ResourceId>) {
    let mut state = State {
        resources: BTreeMap::new(),
        ..recorded.clone()
    };
    let mut to_import = Vec::new();
    let own: BTreeMap<&ResourceId, &Attrs> =
        desired.owned_by(stack).map(|r| (&r.id, &r.attrs)).collect();
    let ids: BTreeSet<&ResourceId> = own
        .keys()
        .copied()
        .chain(recorded.resources.keys())
        .collect();
    let cover = FutureCover::of(
        own.iter()
            .map(|(id, a)| (*id, *a))
            .chain(recorded.resources.iter().map(|(id, r)| (id, &r.attrs))),
    );
    for id in ids {
        let Some(now) = live.resources.get(id) else {
            continue;
        };
        let was = recorded.get(id).map(|r| &r.attrs);
        let want = own.get(id).copied();
        if was.is_none() {
            to_import.push(id.clone());
        }
        let keys: BTreeSet<&String> = was.into_iter().chain(want).flat_map(|a| a.keys()).collect();
        let now = cover.strip(id, now, &[was, want]);
        state.upsert(id.clone(), live_attrs(id, keys, &now, &[was, want]));
    }
    (state, to_import)
}

/// Where a change of a refreshed plan comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// It only reverses changes made outside pudo.
    Drift,
    /// It only applies a configuration change.
    Config,
    /// Both.
    DriftAndConfig,
}

/// One change of a refreshed plan, classified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeOrigin {
    pub address: String,
    pub origin: Cause,
    /// Attributes whose live value differs from the recorded one (the
    /// change puts them back). Empty for an object re-created after a drop.
    pub drifted: Vec<String>,
    /// Attributes that change because the configuration changed.
    pub configured: Vec<String>,
}

/// What `plan --refresh` adds to a plan: where each change comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refresh {
    pub changes: Vec<ChangeOrigin>,
    /// Declared, present in Snowflake, not in the recorded state.
    pub to_import: Vec<String>,
    /// Recorded, no longer configured, already gone from Snowflake.
    pub gone: Vec<String>,
    pub read: ReadStats,
}

/// Tells apart, for each change of a plan computed against the refreshed
/// state, what reverses drift and what comes from the configuration. A
/// change reverses drift where its `before` (live) differs from the
/// recorded state.
pub fn classify(plan: &Plan, recorded: &State) -> Vec<ChangeOrigin> {
    let mut out = Vec::new();
    for change in &plan.changes {
        let was = recorded.get(&change.id).map(|r| &r.attrs);
        let (drifted, configured, dropped_outside) = match change.action {
            Action::Create if was.is_some() => (Vec::new(), Vec::new(), true),
            Action::Create | Action::Drop => (Vec::new(), Vec::new(), false),
            Action::Update | Action::Replace | Action::Suspend | Action::Resume => {
                let mut drifted = Vec::new();
                let mut configured = Vec::new();
                for d in &change.diffs {
                    let recorded_value = was.and_then(|a| a.get(&d.name));
                    let drift = if live::readable(&change.id, &d.name) {
                        recorded_value != d.before.as_ref()
                    } else {
                        false
                    };
                    if drift {
                        drifted.push(d.name.clone());
                    } else {
                        configured.push(d.name.clone());
                    }
                }
                (drifted, configured, false)
            }
        };
        let origin = if dropped_outside {
            Cause::Drift
        } else {
            match (drifted.is_empty(), configured.is_empty()) {
                (false, true) => Cause::Drift,
                (false, false) => Cause::DriftAndConfig,
                _ => Cause::Config,
            }
        };
        out.push(ChangeOrigin {
            address: change.address.clone(),
            origin,
            drifted,
            configured,
        });
    }
    out
}

/// Blockers for desired objects that exist live but are not recorded.
pub fn import_blockers(to_import: &[ResourceId]) -> Vec<Blocker> {
    to_import
        .iter()
        .map(|id| Blocker {
            address: id.address(),
            message: format!(
                "`{}` exists in Snowflake but not in the recorded state; the plan shows it as if adopted",
                id.address()
            ),
            hint: Some(format!(
                "adopt it without running DDL: `pudo import {}`, then plan again",
                id.address()
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(s: &str) -> Ident {
        Ident::parse(s).unwrap()
    }

    fn wh(name: &str) -> ResourceId {
        kinds::warehouse::id(ident(name))
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn reports_changed_dropped_and_privilege_deltas() {
        let stack = StackName::for_environment("DEV");
        let mut recorded = State::empty(&stack);
        let role = ident("R");
        let schema = kinds::schema::id(ident("DB"), ident("S"));
        let grant = kinds::grant::id(role.clone(), kinds::warehouse::id(ident("WH")));
        let schema_grant =
            kinds::grant::id(role.clone(), kinds::schema::id(ident("DB"), ident("S")));
        recorded.upsert(
            wh("WH"),
            Attrs::from([
                ("size".into(), text("XSMALL")),
                ("initially_suspended".into(), Value::Bool(true)),
            ]),
        );
        recorded.upsert(schema.clone(), Attrs::new());
        recorded.upsert(kinds::role::id(role.clone()), Attrs::new());
        recorded.upsert(
            grant.clone(),
            Attrs::from([(
                "privileges".into(),
                Value::List(vec!["OPERATE".into(), "USAGE".into()]),
            )]),
        );
        recorded.upsert(
            schema_grant,
            Attrs::from([("privileges".into(), Value::List(vec!["USAGE".into()]))]),
        );
        let mut live = Live::default();
        live.resources.insert(
            wh("WH"),
            Attrs::from([
                ("size".into(), text("LARGE")),
                ("auto_suspend".into(), Value::Int(600)),
            ]),
        );
        live.resources
            .insert(kinds::role::id(role.clone()), Attrs::new());
        live.resources.insert(
            grant,
            Attrs::from([(
                "privileges".into(),
                Value::List(vec!["MONITOR".into(), "USAGE".into()]),
            )]),
        );
        let items = compare(&recorded, &live, &BTreeSet::new(), None);
        let shown: Vec<String> = items
            .iter()
            .map(|i| format!("{} {:?}", i.address, i.finding))
            .collect();
        assert_eq!(
            shown,
            vec![
                "grant.R.warehouse.WH Privileges { granted: [\"MONITOR\"], revoked: [\"OPERATE\"] }"
                    .to_string(),
                "schema.DB.S Dropped".to_string(),
                "warehouse.WH Changed { attributes: [AttrDrift { name: \"size\", recorded: Some(Text(\"XSMALL\")), live: Some(Text(\"LARGE\")) }] }".to_string(),
            ],
            "the grant on the dropped schema went with it; auto_suspend is not managed"
        );
    }

    #[test]
    fn naming_follows_the_environment_word() {
        let stack = StackName::for_environment("DEV");
        let mut recorded = State::empty(&stack);
        recorded.upsert(kinds::schema::id(ident("DB"), ident("S_DEV")), Attrs::new());
        let naming = Naming::of(&stack, &recorded, &["DEV".into(), "PROD".into()]);
        assert!(naming.follows(&wh("PUDO_DEV_WH2")));
        assert!(!naming.follows(&wh("DEVELOP_WH")));
        assert!(naming.follows(&kinds::schema::id(ident("DB"), ident("\"scratch_dev\""))));
        assert!(!naming.follows(&kinds::schema::id(ident("OTHER"), ident("X_DEV"))));
    }

    #[test]
    fn refreshed_state_keeps_unreadable_recorded_values() {
        let stack = StackName::for_environment("DEV");
        let mut recorded = State::empty(&stack);
        recorded.upsert(
            wh("WH"),
            Attrs::from([
                ("size".into(), text("XSMALL")),
                ("initially_suspended".into(), Value::Bool(true)),
            ]),
        );
        let mut live = Live::default();
        live.resources.insert(
            wh("WH"),
            Attrs::from([
                ("size".into(), text("LARGE")),
                ("auto_suspend".into(), Value::Int(600)),
            ]),
        );
        let (state, to_import) = refreshed_state(&Model::default(), &stack, &recorded, &live);
        assert!(to_import.is_empty());
        assert_eq!(
            state.get(&wh("WH")).unwrap().attrs,
            Attrs::from([
                ("size".into(), text("LARGE")),
                ("initially_suspended".into(), Value::Bool(true)),
            ])
        );
    }
}
