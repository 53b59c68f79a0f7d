pub mod cli;
pub mod store;
