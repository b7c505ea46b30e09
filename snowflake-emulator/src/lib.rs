//! A local Snowflake emulator: speaks the driver REST protocol
//! (snowflake-connector-rs, snowflake-connector-python) over http and keeps an
//! account's catalog (databases, schemas, warehouses, roles, users, grants)
//! with Snowflake's semantics, messages and SHOW output. See docs/emulator.md.

pub mod access;
pub mod catalog;
pub mod error;
pub mod exec;
pub mod faults;
pub mod jwt;
pub mod kinds;
pub mod lexer;
pub mod params;
pub mod parser;
pub mod privileges;
pub mod result;
pub mod server;
pub mod show_columns;
pub mod sql_engine;
