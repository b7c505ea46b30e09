//! Property tables: what each kind accepts after `CREATE ... <name>`,
//! `ALTER ... SET` and `ALTER ... UNSET`, how a value is checked and
//! canonicalised, its default, and where it is stored.
//!
//! One rule holds for every property: `<property> = NULL` means "not set",
//! exactly like `UNSET <property>` (Snowflake treats NULL as the absence of a
//! value), except for properties whose documentation gives NULL a meaning of
//! its own (`AUTO_SUSPEND = NULL`: never suspend), marked [`PropDef::null_is_value`].

use crate::catalog::Params;
use crate::error::SfError;
use crate::params;
use crate::parser::{Prop, Value};

/// Where a property may appear.
pub mod on {
    pub const CREATE: u8 = 1;
    pub const SET: u8 = 2;
    pub const UNSET: u8 = 4;
    /// Create, set and unset.
    pub const ALL: u8 = CREATE | SET | UNSET;
}

/// Which statement a property list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Create,
    Set,
    Unset,
}

impl Stage {
    fn bit(self) -> u8 {
        match self {
            Stage::Create => on::CREATE,
            Stage::Set => on::SET,
            Stage::Unset => on::UNSET,
        }
    }
}

/// How a value is checked.
#[derive(Clone, Copy)]
pub enum Ty {
    /// `TRUE`/`FALSE` (also as strings).
    Bool,
    /// A whole number (numeric or string literal) in `min..=max`.
    Int { min: i64, max: i64 },
    /// Anything; stored as its text.
    Text,
    /// Canonicalised by the function; `None` = invalid value.
    Canon(fn(&str) -> Option<String>),
    /// A Snowflake parameter: checked by `params::validate`, kept in the
    /// object's parameter map (where SHOW PARAMETERS finds it).
    Param,
}

/// A checked value, as the store functions receive it.
#[derive(Debug, Clone, PartialEq)]
pub enum Pv {
    Bool(bool),
    Int(i64),
    Text(String),
    /// `= NULL` on a property where NULL is a value of its own.
    Null,
}

impl Pv {
    pub fn text(&self) -> String {
        match self {
            Pv::Bool(b) => b.to_string(),
            Pv::Int(n) => n.to_string(),
            Pv::Text(s) => s.clone(),
            Pv::Null => "NULL".into(),
        }
    }
}

/// One property of a kind.
pub struct PropDef<O> {
    pub name: &'static str,
    pub ty: Ty,
    /// `on::*` bits: where the property is accepted.
    pub on: u8,
    /// Value when not set (canonical text, read by `ty`); `None` = no value.
    pub default: Option<&'static str>,
    /// `= NULL` is a value of its own rather than "not set".
    pub null_is_value: bool,
    /// Store a value; `None` = not set (only for properties without a default).
    pub store: fn(&mut O, &'static str, Option<Pv>),
}

impl<O> PropDef<O> {
    /// A property accepted everywhere, without a default.
    pub const fn new(
        name: &'static str,
        ty: Ty,
        store: fn(&mut O, &'static str, Option<Pv>),
    ) -> Self {
        PropDef {
            name,
            ty,
            on: on::ALL,
            default: None,
            null_is_value: false,
            store,
        }
    }
    pub const fn default(mut self, v: &'static str) -> Self {
        self.default = Some(v);
        self
    }
    pub const fn on(mut self, bits: u8) -> Self {
        self.on = bits;
        self
    }
    pub const fn null_is_value(mut self) -> Self {
        self.null_is_value = true;
        self
    }
}

/// Names accepted at `stage`, for the parser.
pub fn names<O>(defs: &[PropDef<O>], stage: Stage) -> Vec<&'static str> {
    defs.iter()
        .filter(|d| d.on & stage.bit() != 0)
        .map(|d| d.name)
        .collect()
}

fn find<'a, O>(defs: &'a [PropDef<O>], name: &str) -> &'a PropDef<O> {
    defs.iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("the parser accepted unknown property {name}"))
}

pub fn bool_value(k: &str, v: &Value) -> Result<bool, SfError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Str(s) | Value::Ident(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::Str(s) | Value::Ident(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(SfError::invalid_value(&other.text(), k)),
    }
}

fn int_value(k: &str, v: &Value) -> Result<i64, SfError> {
    match v {
        Value::Num(n) | Value::Str(n) => n.parse().map_err(|_| SfError::invalid_value(n, k)),
        other => Err(SfError::invalid_value(&other.text(), k)),
    }
}

/// Check `v` against the property's type.
fn check<O>(d: &PropDef<O>, v: &Value) -> Result<Pv, SfError> {
    let k = d.name;
    if *v == Value::Null && d.null_is_value {
        return Ok(Pv::Null);
    }
    Ok(match d.ty {
        Ty::Bool => Pv::Bool(bool_value(k, v)?),
        Ty::Int { min, max } => {
            let n = int_value(k, v)?;
            if !(min..=max).contains(&n) {
                return Err(SfError::invalid_value(&n.to_string(), k));
            }
            Pv::Int(n)
        }
        Ty::Text => Pv::Text(v.text()),
        Ty::Canon(f) => Pv::Text(f(&v.text()).ok_or_else(|| SfError::invalid_value(&v.text(), k))?),
        Ty::Param => {
            params::validate(k, v)?;
            Pv::Text(v.text())
        }
    })
}

/// The default of `d` as a store argument.
fn default_of<O>(d: &PropDef<O>) -> Option<Pv> {
    d.default.map(|s| match d.ty {
        Ty::Bool => Pv::Bool(s == "true"),
        Ty::Int { .. } => Pv::Int(s.parse().expect("integer default")),
        _ => Pv::Text(s.to_string()),
    })
}

/// Back to the default (or to "not set").
fn reset<O>(d: &PropDef<O>, obj: &mut O) {
    (d.store)(obj, d.name, default_of(d));
}

/// Every property of a new object at its default.
pub fn defaults<O>(defs: &[PropDef<O>], obj: &mut O) {
    for d in defs {
        reset(d, obj);
    }
}

/// `CREATE ... k = v` or `ALTER ... SET k = v`.
pub fn apply<O>(
    defs: &[PropDef<O>],
    obj: &mut O,
    props: &[Prop],
    stage: Stage,
) -> Result<(), SfError> {
    for (k, v) in props {
        let d = find(defs, k);
        if *v == Value::Null && !d.null_is_value {
            if stage == Stage::Set && d.on & on::UNSET == 0 {
                return Err(SfError::invalid_value("NULL", k));
            }
            reset(d, obj);
        } else {
            let pv = check(d, v)?;
            (d.store)(obj, d.name, Some(pv));
        }
    }
    Ok(())
}

/// `ALTER ... UNSET k, ...`.
pub fn unset<O>(defs: &[PropDef<O>], obj: &mut O, names: &[String]) {
    for k in names {
        reset(find(defs, k), obj);
    }
}

/// Store helpers shared by the kinds' tables.
pub fn text_or_none(v: Option<Pv>) -> Option<String> {
    v.map(|v| v.text())
}

pub fn flag(v: &Option<Pv>) -> bool {
    matches!(v, Some(Pv::Bool(true)))
}

pub fn int(v: &Option<Pv>) -> i64 {
    match v {
        Some(Pv::Int(n)) => *n,
        _ => 0,
    }
}

/// A parameter kept in an object's parameter map.
pub fn param(map: &mut Params, k: &str, v: Option<Pv>) {
    match v {
        Some(v) => {
            map.insert(k.to_string(), v.text());
        }
        None => {
            map.remove(k);
        }
    }
}

/// Upper-case canonical form (enumerated words, identifiers kept as text).
pub fn upper(s: &str) -> Option<String> {
    Some(s.to_ascii_uppercase())
}
