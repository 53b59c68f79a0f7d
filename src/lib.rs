//! Clearance: access control for aviation organisations.
//!
//! `domain` holds the rules (pure), `store` the sled storage and audit chain,
//! `ops` the one write path, `cli` the command-line front end.

pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod logging;
pub mod ops;
pub mod presets;
pub mod store;
pub mod tui;
