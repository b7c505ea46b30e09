//! Hand-written `Deserialize` for [`Value`] and [`ResourceId`].
//!
//! Their serde forms are untagged (`Value`) and internally tagged
//! (`ResourceId` by `kind`, a grant's target by `type`). The kinds come from
//! an [`IdLookup`] (the registry in `crate::kinds`). Derived, serde buffers
//! every such value into an intermediate tree before picking the variant,
//! which was most of the time of reading a state file of 10,000 resources.
//! These read the same JSON in one pass, accept the tag anywhere in the
//! object, ignore unknown fields, and fail with the messages the derived
//! code gives.

use super::{Holds, Ident, KindMeta, Part, ResourceId, Value};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use smallvec::SmallVec;
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

/// How the generic reader finds kinds: by tag for resources (`kind`) and for
/// grant targets (`type`), and the interned names of every identity field.
pub trait IdLookup: Sync {
    fn kind(&self, tag: &str) -> Option<&'static KindMeta>;
    fn target(&self, tag: &str) -> Option<&'static KindMeta>;
    /// The known field name equal to `key` (no allocation per key).
    fn field(&self, key: &str) -> Option<&'static str>;
    /// Every tag `kind` accepts, for the error message.
    fn kind_names(&self) -> &'static [&'static str];
    fn target_names(&self) -> &'static [&'static str];
}

/// One field value as read: text, or a nested target.
enum Raw {
    Text(String),
    Target(ResourceId),
}

struct FieldKey<'l> {
    tag: &'static str,
    lookup: &'l dyn IdLookup,
}

enum Key {
    Tag,
    Field(&'static str),
    Other,
}

impl<'de> de::DeserializeSeed<'de> for FieldKey<'_> {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        struct V<'l>(&'static str, &'l dyn IdLookup);
        impl<'de> Visitor<'de> for V<'_> {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(if s == self.0 {
                    Key::Tag
                } else {
                    match self.1.field(s) {
                        Some(f) => Key::Field(f),
                        None => Key::Other,
                    }
                })
            }
        }
        deserializer.deserialize_identifier(V(self.tag, self.lookup))
    }
}

/// A field's value: a string, a nested target (a map), or anything else
/// (ignored, like an unknown field).
struct RawSeed<'l>(&'l dyn IdLookup);

impl<'de> de::DeserializeSeed<'de> for RawSeed<'_> {
    type Value = Option<Raw>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<Raw>, D::Error> {
        struct V<'l>(&'l dyn IdLookup);
        impl<'de> Visitor<'de> for V<'_> {
            type Value = Option<Raw>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a grant target")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<Raw>, E> {
                Ok(Some(Raw::Text(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Option<Raw>, E> {
                Ok(Some(Raw::Text(s)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Raw>, A::Error> {
                read_id(map, "type", self.0).map(|id| Some(Raw::Target(id)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Raw>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Raw>, E> {
                Ok(None)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<Raw>, E> {
                Ok(None)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<Raw>, E> {
                Ok(None)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Raw>, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<Raw>, E> {
                Ok(None)
            }
        }
        deserializer.deserialize_any(V(self.0))
    }
}

fn read_id<'de, A: MapAccess<'de>>(
    mut map: A,
    tag_field: &'static str,
    lookup: &dyn IdLookup,
) -> Result<ResourceId, A::Error> {
    let mut tag: Option<String> = None;
    let mut fields: SmallVec<[(&'static str, Raw); 3]> = SmallVec::new();
    while let Some(key) = map.next_key_seed(FieldKey {
        tag: tag_field,
        lookup,
    })? {
        match key {
            Key::Tag => {
                if tag.is_some() {
                    return Err(de::Error::duplicate_field(tag_field));
                }
                tag = Some(map.next_value()?);
            }
            Key::Field(name) => {
                if fields.iter().any(|(n, _)| *n == name) {
                    return Err(de::Error::duplicate_field(name));
                }
                if let Some(raw) = map.next_value_seed(RawSeed(lookup))? {
                    fields.push((name, raw));
                }
            }
            Key::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    let tag = tag.ok_or_else(|| de::Error::missing_field(tag_field))?;
    let (meta, names) = if tag_field == "kind" {
        (lookup.kind(&tag), lookup.kind_names())
    } else {
        (lookup.target(&tag), lookup.target_names())
    };
    let meta = meta.ok_or_else(|| de::Error::unknown_variant(&tag, names))?;
    let mut parts: SmallVec<[Part; 2]> = SmallVec::with_capacity(meta.fields.len());
    for field in meta.fields {
        let pos = fields.iter().position(|(n, _)| *n == field.name);
        let raw = pos.map(|i| fields.swap_remove(i).1);
        parts.push(match (field.holds, raw) {
            (Holds::Name, Some(Raw::Text(t))) => Part::Name(Ident::from_canonical(t)),
            (Holds::Word, Some(Raw::Text(t))) => Part::Word(t),
            (Holds::Target, Some(Raw::Target(t))) => Part::Target(Box::new(t)),
            (_, None) => return Err(de::Error::missing_field(field.name)),
            (_, Some(_)) => {
                return Err(de::Error::custom(format!(
                    "invalid value for field `{}`",
                    field.name
                )));
            }
        });
    }
    Ok(ResourceId::new(meta, parts))
}

/// Reads a [`ResourceId`] (tag `kind`) in one pass, whatever the order of
/// its fields; unknown fields are ignored.
pub fn deserialize_id<'de, D: Deserializer<'de>>(
    deserializer: D,
    lookup: &dyn IdLookup,
) -> Result<ResourceId, D::Error> {
    struct V<'l>(&'l dyn IdLookup);
    impl<'de> Visitor<'de> for V<'_> {
        type Value = ResourceId;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a resource id")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ResourceId, A::Error> {
            read_id(map, "kind", self.0)
        }
    }
    deserializer.deserialize_map(V(lookup))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
