//! Hand-written `Deserialize` for [`Value`], [`ResourceId`] and
//! [`GrantTarget`].
//!
//! Their serde forms are untagged (`Value`) and internally tagged
//! (`ResourceId` by `kind`, `GrantTarget` by `type`). Derived, serde buffers
//! every such value into an intermediate tree before picking the variant,
//! which was most of the time of reading a state file of 10,000 resources.
//! These read the same JSON in one pass, accept the tag anywhere in the
//! object, ignore unknown fields, and fail with the messages the derived
//! code gives.

use super::{GrantTarget, Ident, ResourceId, Value};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

const UNTAGGED: &str = "data did not match any variant of untagged enum Value";

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean, an integer, a string or a list of strings")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
                Ok(Value::Int(i))
            }
            fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
                i64::try_from(u)
                    .map(Value::Int)
                    .map_err(|_| E::custom(UNTAGGED))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
                Ok(Value::Text(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
                Ok(Value::Text(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                loop {
                    match seq.next_element::<Text>() {
                        Ok(Some(Text(item))) => items.push(item),
                        Ok(None) => return Ok(Value::List(items)),
                        Err(_) => return Err(de::Error::custom(UNTAGGED)),
                    }
                }
            }
            // Anything else (null, floats, maps) matches no variant.
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
                Err(E::custom(UNTAGGED))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Err(E::custom(UNTAGGED))
            }
            fn visit_none<E: de::Error>(self) -> Result<Value, E> {
                Err(E::custom(UNTAGGED))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Value, A::Error> {
                Err(de::Error::custom(UNTAGGED))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A string, and only a string (list items of a [`Value::List`]).
struct Text(String);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text(s.to_owned()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text(s))
            }
        }
        deserializer.deserialize_string(V)
    }
}

/// The fields of every variant of both enums, gathered in one pass.
#[derive(Default)]
struct Fields {
    tag: Option<String>,
    name: Option<String>,
    database: Option<String>,
    schema: Option<String>,
    role: Option<String>,
    parent: Option<String>,
    object_type: Option<String>,
    on: Option<GrantTarget>,
}

#[derive(Clone, Copy)]
enum Key {
    Tag,
    Name,
    Database,
    Schema,
    Role,
    Parent,
    ObjectType,
    On,
    Other,
}

/// Reads a map's keys without allocating; `tag` is the tag field's name.
struct KeySeed(&'static str);

impl<'de> de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        struct V(&'static str);
        impl<'de> Visitor<'de> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    _ if s == self.0 => Key::Tag,
                    "name" => Key::Name,
                    "database" => Key::Database,
                    "schema" => Key::Schema,
                    "role" => Key::Role,
                    "parent" => Key::Parent,
                    "object_type" => Key::ObjectType,
                    "on" => Key::On,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_identifier(V(self.0))
    }
}

fn set<'de, A: MapAccess<'de>, T: serde::Deserialize<'de>>(
    slot: &mut Option<T>,
    field: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(field));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

fn read_fields<'de, A: MapAccess<'de>>(
    mut map: A,
    tag_field: &'static str,
    allows_on: bool,
) -> Result<Fields, A::Error> {
    let mut f = Fields::default();
    while let Some(key) = map.next_key_seed(KeySeed(tag_field))? {
        match key {
            Key::Tag => set(&mut f.tag, tag_field, &mut map)?,
            Key::Name => set(&mut f.name, "name", &mut map)?,
            Key::Database => set(&mut f.database, "database", &mut map)?,
            Key::Schema => set(&mut f.schema, "schema", &mut map)?,
            Key::Role => set(&mut f.role, "role", &mut map)?,
            Key::Parent => set(&mut f.parent, "parent", &mut map)?,
            Key::ObjectType => set(&mut f.object_type, "object_type", &mut map)?,
            Key::On if allows_on => set(&mut f.on, "on", &mut map)?,
            Key::On | Key::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(f)
}

fn need<E: de::Error>(value: Option<String>, field: &'static str) -> Result<Ident, E> {
    value
        .map(Ident::from_canonical)
        .ok_or_else(|| E::missing_field(field))
}

const ID_KINDS: &[&str] = &[
    "database",
    "schema",
    "warehouse",
    "role",
    "grant",
    "role_grant",
];

impl<'de> serde::Deserialize<'de> for ResourceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ResourceId, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ResourceId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("internally tagged enum ResourceId")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ResourceId, A::Error> {
                let f = read_fields(map, "kind", true)?;
                let tag = f.tag.ok_or_else(|| de::Error::missing_field("kind"))?;
                Ok(match tag.as_str() {
                    "database" => ResourceId::Database {
                        name: need(f.name, "name")?,
                    },
                    "schema" => ResourceId::Schema {
                        database: need(f.database, "database")?,
                        name: need(f.name, "name")?,
                    },
                    "warehouse" => ResourceId::Warehouse {
                        name: need(f.name, "name")?,
                    },
                    "role" => ResourceId::Role {
                        name: need(f.name, "name")?,
                    },
                    "grant" => ResourceId::Grant {
                        role: need(f.role, "role")?,
                        on: f.on.ok_or_else(|| de::Error::missing_field("on"))?,
                    },
                    "role_grant" => ResourceId::RoleGrant {
                        role: need(f.role, "role")?,
                        parent: need(f.parent, "parent")?,
                    },
                    other => return Err(de::Error::unknown_variant(other, ID_KINDS)),
                })
            }
        }
        deserializer.deserialize_map(V)
    }
}

const TARGET_TYPES: &[&str] = &[
    "account",
    "database",
    "schema",
    "warehouse",
    "future_in_database",
    "future_in_schema",
];

impl<'de> serde::Deserialize<'de> for GrantTarget {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GrantTarget, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = GrantTarget;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("internally tagged enum GrantTarget")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<GrantTarget, A::Error> {
                let f = read_fields(map, "type", false)?;
                let tag = f.tag.ok_or_else(|| de::Error::missing_field("type"))?;
                let object_type =
                    |v: Option<String>| v.ok_or_else(|| de::Error::missing_field("object_type"));
                Ok(match tag.as_str() {
                    "account" => GrantTarget::Account,
                    "database" => GrantTarget::Database {
                        name: need(f.name, "name")?,
                    },
                    "schema" => GrantTarget::Schema {
                        database: need(f.database, "database")?,
                        name: need(f.name, "name")?,
                    },
                    "warehouse" => GrantTarget::Warehouse {
                        name: need(f.name, "name")?,
                    },
                    "future_in_database" => GrantTarget::FutureInDatabase {
                        object_type: object_type(f.object_type)?,
                        database: need(f.database, "database")?,
                    },
                    "future_in_schema" => GrantTarget::FutureInSchema {
                        object_type: object_type(f.object_type)?,
                        database: need(f.database, "database")?,
                        schema: need(f.schema, "schema")?,
                    },
                    other => return Err(de::Error::unknown_variant(other, TARGET_TYPES)),
                })
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_derived_format_whatever_the_field_order() {
        let id: ResourceId = serde_json::from_str(
            r#"{"on":{"name":"S","database":"D","type":"schema"},"role":"R","kind":"grant","x":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            id,
            ResourceId::Grant {
                role: Ident::from_canonical("R"),
                on: GrantTarget::Schema {
                    database: Ident::from_canonical("D"),
                    name: Ident::from_canonical("S"),
                },
            }
        );
        let future = GrantTarget::FutureInSchema {
            object_type: "TABLES".into(),
            database: Ident::from_canonical("D"),
            schema: Ident::from_canonical("a\"b"),
        };
        let json = serde_json::to_string(&future).unwrap();
        assert_eq!(serde_json::from_str::<GrantTarget>(&json).unwrap(), future);
        let account: GrantTarget = serde_json::from_str(r#"{"type":"account"}"#).unwrap();
        assert_eq!(account, GrantTarget::Account);
    }

    #[test]
    fn values_round_trip_and_reject_other_shapes() {
        for v in [
            Value::Bool(true),
            Value::Int(-3),
            Value::Text("x".into()),
            Value::List(vec!["A".into(), "B".into()]),
        ] {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), v);
        }
        for bad in ["1.5", "null", "{}", "[1]", "18446744073709551615"] {
            let e = serde_json::from_str::<Value>(bad).unwrap_err();
            assert!(e.to_string().contains(UNTAGGED), "{bad}: {e}");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let e = serde_json::from_str::<ResourceId>(r#"{"kind":"table","name":"T"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `table`"), "{e}");
        let e = serde_json::from_str::<ResourceId>(r#"{"kind":"schema","name":"T"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `database`"), "{e}");
        let e = serde_json::from_str::<ResourceId>(r#"{"name":"T"}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `kind`"), "{e}");
    }
}
