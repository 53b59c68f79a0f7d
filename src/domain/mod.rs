//! The domain: pure rules and data. No I/O, no terminal, no storage.

pub mod authorizations;
pub mod bases;
pub mod catalog;
pub mod command;
pub mod concurrency;
pub mod conditions;
pub mod delegation;
pub mod engine;
pub mod error;
pub mod holdings;
pub mod kinds;
pub mod kiosk;
pub mod layout;
pub mod org;
pub mod permission;
pub mod qualifications;
pub mod read;
pub mod reviews;
pub mod roles;
pub mod rules;
pub mod settings;
pub mod signoff;
pub mod sod;
pub mod table;
pub mod text;
pub mod users;
pub mod who;
pub mod zone;

#[cfg(test)]
mod conditions_proptests;
#[cfg(test)]
mod delegation_tests;
#[cfg(test)]
mod edit_proptests;
#[cfg(test)]
mod kiosk_tests;
#[cfg(test)]
mod proptest_oracles;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod rules_tests;
#[cfg(test)]
mod sod_proptests;
#[cfg(test)]
mod table_proptests;

pub use error::{DomainError, DomainResult};
