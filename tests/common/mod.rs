pub mod cli;
pub mod server;
pub mod store;
