//! Benchmarks of a served database (filled in next).

fn main() {}
