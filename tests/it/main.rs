//! The one integration test binary: runs the real `pudo` binary in
//! temporary project copies and snapshots what it prints. End-to-end tests
//! (apply, drift) run against the snowflake-emulator.

mod apply;
mod ci_action;
mod config;
mod drift;
mod emulator;
mod export;
mod onboarding;
mod permissions;
mod plan;
mod plan_budget;
mod promotion;
mod real_accounts;
mod schema;
mod state_backend;
mod support;
mod tasks;
