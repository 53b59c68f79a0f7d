//! Clearance: access control for aviation organisations.
//!
//! `domain` holds the rules (pure), `store` the sled storage and audit chain,
//! `ops` the one write path, `cli` the command-line front end, `tui` the
//! terminal app.
//!
//! A level is a bit set on its permission's scale; a scope check passes when
//! any of the relations that hold between actor and record is granted:
//!
//! ```
//! use clearance::domain::catalog::Scale;
//! use clearance::domain::engine::level_allows;
//!
//! let flights = Scale::Scope { relations: vec!["own".into(), "other".into(), "students".into()] };
//! let instructor = flights.parse_level("own+students").unwrap();
//! assert!(level_allows(&flights, instructor, flights.parse_relation("students").unwrap()));
//! assert!(!level_allows(&flights, instructor, flights.parse_relation("other").unwrap()));
//! assert_eq!(flights.level_word(instructor), "own+students");
//! ```

pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod domain;
pub mod logging;
pub mod ops;
pub mod presets;
pub mod protocol;
pub mod server;
pub mod store;
pub mod tui;
