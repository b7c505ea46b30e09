//! The one integration test binary: runs the real `pudo` binary in
//! temporary project copies and snapshots what it prints.

mod config;
mod plan;
mod support;
