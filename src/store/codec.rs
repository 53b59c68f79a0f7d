//! The one place that turns records into bytes: bincode 1.3.3 with a frozen
//! configuration, inside an envelope `[u16 big-endian record version][payload]`.
//! bincode has no field evolution: adding a field means a new record version
//! with an explicit upgrade here; old versions stay decodable forever.

use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};

/// The record version written today.
pub const RECORD_VERSION: u16 = 1;

fn options() -> impl Options {
    // Frozen: fixed-width little-endian integers, no trailing bytes, a size limit.
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(64 * 1024 * 1024)
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = RECORD_VERSION.to_be_bytes().to_vec();
    options()
        .serialize_into(&mut out, value)
        .expect("serialising to memory cannot fail for our record types");
    out
}

/// Canonical bytes without the envelope (what the audit chain hashes).
pub fn canonical<T: Serialize>(value: &T) -> Vec<u8> {
    options()
        .serialize(value)
        .expect("serialising to memory cannot fail for our record types")
}

/// Why bytes did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Short,
    UnknownVersion(u16),
    Payload(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Short => f.write_str("shorter than its envelope"),
            DecodeError::UnknownVersion(v) => write!(f, "unknown record version {v}"),
            DecodeError::Payload(e) => write!(f, "undecodable payload: {e}"),
        }
    }
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() < 2 {
        return Err(DecodeError::Short);
    }
    let version = u16::from_be_bytes([bytes[0], bytes[1]]);
    match version {
        1 => options()
            .deserialize(&bytes[2..])
            .map_err(|e| DecodeError::Payload(e.to_string())),
        v => Err(DecodeError::UnknownVersion(v)),
    }
}
