//! The client side of a database's server.

pub mod checks;
