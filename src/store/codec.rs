//! The one place that turns records into bytes: bincode 1.3.3 with a frozen
//! configuration, inside an envelope `[u16 big-endian record version][payload]`.
//! bincode has no field evolution: adding a field means a new record version
//! with an explicit upgrade here; old versions stay decodable forever.

use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};

use super::audit::{AuditBody, AuditEntry, EntryV1, EntryV2};
use crate::domain::layout::{self, with_layout};

/// The record version of the records that never changed layout (users,
/// qualifications, authorizations, counters). The organisation's settings,
/// roles and audit entries have later versions: see [`Stored`] and
/// [`encode_entry`].
pub const RECORD_VERSION: u16 = 1;

/// A stored record type and the record version it is written with today.
/// Every version from 1 up to it stays readable, in the layout generation
/// (`domain::layout`) it was written in.
pub trait Stored: Serialize + DeserializeOwned {
    const VERSION: u16 = RECORD_VERSION;

    /// The layout generation of record version `version` of this type. Types
    /// that never changed layout read alike in every generation.
    fn layout_of(_version: u16) -> u16 {
        layout::CURRENT
    }
}

/// Version 2: authorization kinds carry the bases they require and whether
/// their scope must name aircraft types. Version 3: the organisation's time
/// zone. Record version N is layout generation N.
impl Stored for crate::domain::org::Settings {
    const VERSION: u16 = 3;

    fn layout_of(version: u16) -> u16 {
        version
    }
}
impl Stored for crate::domain::users::User {}
/// Version 2: a role carries its assignable roles and whether its holders
/// need an email (layout generation 3); version 1 is generation 2's layout.
impl Stored for crate::domain::roles::Role {
    const VERSION: u16 = 2;

    fn layout_of(version: u16) -> u16 {
        if version == 1 {
            2
        } else {
            3
        }
    }
}
impl Stored for crate::domain::qualifications::Qualification {}
impl Stored for crate::domain::authorizations::Authorization {}
impl Stored for crate::domain::org::Counters {}
impl Stored for crate::domain::kiosk::Terminal {}
impl Stored for crate::domain::kiosk::Pin {}
impl Stored for crate::domain::sod::SodRule {}
impl Stored for crate::domain::reviews::Campaign {}
impl Stored for crate::domain::reviews::ReviewItem {}
impl Stored for crate::domain::reviews::ItemBlock {}

/// The largest encoded value, in bytes: one audit entry (a large batch's
/// is the largest there is; an import's records are kept beside its entry).
pub const LIMIT: u64 = 64 * 1024 * 1024;

/// [`LIMIT`]; builds with the `test-hooks` feature (the test suite only)
/// let tests lower it with CLEARANCE_TEST_CODEC_LIMIT (bytes), so that a
/// test can pass it without writing 64 MiB.
pub fn limit() -> u64 {
    #[cfg(feature = "test-hooks")]
    {
        static SCALED: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
        if let Some(l) = SCALED.get_or_init(|| {
            std::env::var("CLEARANCE_TEST_CODEC_LIMIT")
                .ok()
                .and_then(|v| v.parse().ok())
        }) {
            return *l;
        }
    }
    LIMIT
}

fn options() -> impl Options {
    // Frozen: fixed-width little-endian integers, no trailing bytes, a size limit.
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .reject_trailing_bytes()
        .with_limit(limit())
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
            EncodeError::TooLarge => match limit() {
                l if l % (1024 * 1024) == 0 => {
                    write!(
                        f,
                        "larger than the {} MiB a record may take",
                        l / (1024 * 1024)
                    )
                }
                l => write!(f, "larger than the {l} bytes a record may take"),
            },
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

pub fn encode<T: Stored>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut out = T::VERSION.to_be_bytes().to_vec();
    with_layout(T::layout_of(T::VERSION), || {
        options().serialize_into(&mut out, value)
    })
    .map_err(encode_error)?;
    Ok(out)
}

/// Canonical bytes without the envelope (what the audit chain hashes).
pub fn canonical<T: Serialize>(value: &T) -> Result<Vec<u8>, EncodeError> {
    options().serialize(value).map_err(encode_error)
}

/// The record version of an audit entry: 1 unsealed (layout generation 1),
/// then sealed entries by generation: 2 for generation 1, 3 for 2, 4 for 3.
pub fn entry_version(sealed: bool, generation: u16) -> u16 {
    if sealed {
        generation + 1
    } else {
        1
    }
}

/// Encodes an audit entry in its record version (see [`entry_version`]).
pub fn encode_entry(e: &AuditEntry) -> Result<Vec<u8>, EncodeError> {
    let version = entry_version(e.seal.is_some(), e.layout);
    let payload = with_layout(e.layout, || match &e.seal {
        None => options().serialize(&EntryV1 {
            seq: e.seq,
            prev_hash: e.prev_hash,
            hash: e.hash,
            body: &e.body,
        }),
        Some(seal) => options().serialize(&EntryV2 {
            seq: e.seq,
            prev_hash: e.prev_hash,
            hash: e.hash,
            body: &e.body,
            seal: *seal,
        }),
    });
    let mut out = version.to_be_bytes().to_vec();
    out.extend_from_slice(&payload.map_err(encode_error)?);
    Ok(out)
}

/// Decodes an audit entry of any record version up to the current one.
pub fn decode_entry(bytes: &[u8]) -> Result<AuditEntry, DecodeError> {
    if bytes.len() < 2 {
        return Err(DecodeError::Short);
    }
    let payload = |e: bincode::Error| DecodeError::Payload(e.to_string());
    match u16::from_be_bytes([bytes[0], bytes[1]]) {
        1 => {
            let e: EntryV1<AuditBody> =
                with_layout(1, || options().deserialize(&bytes[2..])).map_err(payload)?;
            Ok(AuditEntry {
                seq: e.seq,
                prev_hash: e.prev_hash,
                hash: e.hash,
                body: e.body,
                seal: None,
                layout: 1,
            })
        }
        v if (2..=layout::CURRENT + 1).contains(&v) => {
            let generation = v - 1;
            let e: EntryV2<AuditBody> =
                with_layout(generation, || options().deserialize(&bytes[2..])).map_err(payload)?;
            Ok(AuditEntry {
                seq: e.seq,
                prev_hash: e.prev_hash,
                hash: e.hash,
                body: e.body,
                seal: Some(e.seal),
                layout: generation,
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

pub fn decode<T: Stored>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() < 2 {
        return Err(DecodeError::Short);
    }
    let version = u16::from_be_bytes([bytes[0], bytes[1]]);
    let read = || {
        options()
            .deserialize(&bytes[2..])
            .map_err(|e| DecodeError::Payload(e.to_string()))
    };
    match version {
        v if (1..=T::VERSION).contains(&v) => with_layout(T::layout_of(v), read),
        v => Err(DecodeError::UnknownVersion(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Stored for Vec<u8> {}

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
