//! The one place that turns records into bytes: bincode 1.3.3 with a frozen
//! configuration, inside an envelope `[u16 big-endian record version][payload]`.
//! bincode has no field evolution: adding a field means a new record version
//! with an explicit upgrade here; old versions stay decodable forever.

use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};

use super::audit::{AuditBody, AuditEntry, EntryV1, EntryV2};

/// The record version written today for every record but the audit entry,
/// which is written as version 2 (see [`encode_entry`]).
pub const RECORD_VERSION: u16 = 1;

/// The largest encoded value, in bytes (the audit entry of an import, which
/// embeds the whole organisation, is the largest there is).
pub const LIMIT: u64 = 64 * 1024 * 1024;

fn options() -> impl Options {
    // Frozen: fixed-width little-endian integers, no trailing bytes, a size limit.
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(LIMIT)
}

/// Why a value did not encode: it is over [`LIMIT`] (the only way encoding
/// to memory fails for our types), or, in principle, a serde error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    TooLarge,
    Other(String),
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EncodeError::TooLarge => write!(
                f,
                "larger than the {} MiB a record may take",
                LIMIT / (1024 * 1024)
            ),
            EncodeError::Other(e) => write!(f, "cannot encode: {e}"),
        }
    }
}

fn encode_error(e: bincode::Error) -> EncodeError {
    match e.as_ref() {
        bincode::ErrorKind::SizeLimit => EncodeError::TooLarge,
        _ => EncodeError::Other(e.to_string()),
    }
}

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = RECORD_VERSION.to_be_bytes().to_vec();
    options()
        .serialize_into(&mut out, value)
        .map_err(encode_error)?;
    Ok(out)
}

/// Canonical bytes without the envelope (what the audit chain hashes).
pub fn canonical<T: Serialize>(value: &T) -> Result<Vec<u8>, EncodeError> {
    options().serialize(value).map_err(encode_error)
}

/// Encodes an audit entry: record version 2 when it is sealed, version 1
/// (the layout entries had before seals) when not.
pub fn encode_entry(e: &AuditEntry) -> Result<Vec<u8>, EncodeError> {
    let (version, payload) = match &e.seal {
        None => (
            1u16,
            options().serialize(&EntryV1 {
                seq: e.seq,
                prev_hash: e.prev_hash,
                hash: e.hash,
                body: &e.body,
            }),
        ),
        Some(seal) => (
            2u16,
            options().serialize(&EntryV2 {
                seq: e.seq,
                prev_hash: e.prev_hash,
                hash: e.hash,
                body: &e.body,
                seal: *seal,
            }),
        ),
    };
    let mut out = version.to_be_bytes().to_vec();
    out.extend_from_slice(&payload.map_err(encode_error)?);
    Ok(out)
}

/// Decodes an audit entry of record version 1 or 2.
pub fn decode_entry(bytes: &[u8]) -> Result<AuditEntry, DecodeError> {
    if bytes.len() < 2 {
        return Err(DecodeError::Short);
    }
    let payload = |e: bincode::Error| DecodeError::Payload(e.to_string());
    match u16::from_be_bytes([bytes[0], bytes[1]]) {
        1 => {
            let e: EntryV1<AuditBody> = options().deserialize(&bytes[2..]).map_err(payload)?;
            Ok(AuditEntry {
                seq: e.seq,
                prev_hash: e.prev_hash,
                hash: e.hash,
                body: e.body,
                seal: None,
            })
        }
        2 => {
            let e: EntryV2<AuditBody> = options().deserialize(&bytes[2..]).map_err(payload)?;
            Ok(AuditEntry {
                seq: e.seq,
                prev_hash: e.prev_hash,
                hash: e.hash,
                body: e.body,
                seal: Some(e.seal),
            })
        }
        v => Err(DecodeError::UnknownVersion(v)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_over_the_limit_is_an_error_not_a_panic() {
        let big = vec![0u8; LIMIT as usize];
        assert_eq!(encode(&big), Err(EncodeError::TooLarge));
        assert_eq!(canonical(&big), Err(EncodeError::TooLarge));
        assert!(EncodeError::TooLarge.to_string().contains("64 MiB"));
        let small = vec![7u8; 10];
        assert_eq!(decode::<Vec<u8>>(&encode(&small).unwrap()), Ok(small));
    }
}
