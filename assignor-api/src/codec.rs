//! The one codec of the project: version-tagged bincode envelopes.
//!
//! Every byte string Regroup makes (plugin calls, wire frames, stored files) is
//! `tag (4 bytes) | version (u16, little endian) | bincode payload`. bincode is positional, so
//! adding a field changes the shape: such a change bumps the type's [`Envelope::VERSION`] and old
//! readers refuse the new bytes with a clear error instead of misreading them.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Bytes before the payload: tag and version.
pub const HEADER_LEN: usize = 6;

/// Largest size bincode may claim while decoding one envelope, so a hostile length prefix fails
/// instead of allocating. Far above any real group (a million partitions take a few MB).
const DECODE_LIMIT: usize = 1 << 30;

fn config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<DECODE_LIMIT>,
> {
    bincode::config::standard().with_limit::<DECODE_LIMIT>()
}

/// A type that travels as an envelope.
pub trait Envelope: Serialize + DeserializeOwned {
    /// Four bytes naming the kind of value, checked on decode.
    const TAG: [u8; 4];
    /// The shape's version; decoding refuses any other.
    const VERSION: u16;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("envelope too short: {len} bytes, the header alone takes {HEADER_LEN}")]
    TooShort { len: usize },
    #[error("expected a {expected} envelope, found tag {found:?}")]
    WrongKind { expected: String, found: [u8; 4] },
    #[error("{kind} envelope version {found} is not supported (this side reads version {supported})")]
    UnsupportedVersion {
        kind: String,
        found: u16,
        supported: u16,
    },
    #[error("malformed {kind} envelope: {reason}")]
    Malformed { kind: String, reason: String },
    #[error("{kind} envelope has {extra} unexpected bytes after its payload")]
    TrailingBytes { kind: String, extra: usize },
}

fn kind_name(tag: [u8; 4]) -> String {
    String::from_utf8_lossy(&tag).into_owned()
}

/// Appends `value` as an envelope to `out`.
pub fn encode_into<T: Envelope>(value: &T, out: &mut Vec<u8>) {
    out.extend_from_slice(&T::TAG);
    out.extend_from_slice(&T::VERSION.to_le_bytes());
    bincode::serde::encode_into_std_write(value, out, config())
        .expect("writing to a Vec cannot fail and every Regroup type is serializable");
}

/// `value` as an envelope.
pub fn encode<T: Envelope>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(value, &mut out);
    out
}

/// Reads one envelope that must fill `bytes` exactly.
pub fn decode<T: Envelope>(bytes: &[u8]) -> Result<T, CodecError> {
    if bytes.len() < HEADER_LEN {
        return Err(CodecError::TooShort { len: bytes.len() });
    }
    let tag: [u8; 4] = bytes[..4].try_into().expect("4 bytes");
    if tag != T::TAG {
        return Err(CodecError::WrongKind {
            expected: kind_name(T::TAG),
            found: tag,
        });
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != T::VERSION {
        return Err(CodecError::UnsupportedVersion {
            kind: kind_name(T::TAG),
            found: version,
            supported: T::VERSION,
        });
    }
    let payload = &bytes[HEADER_LEN..];
    let (value, read) =
        bincode::serde::decode_from_slice::<T, _>(payload, config()).map_err(|e| CodecError::Malformed {
            kind: kind_name(T::TAG),
            reason: e.to_string(),
        })?;
    if read != payload.len() {
        return Err(CodecError::TrailingBytes {
            kind: kind_name(T::TAG),
            extra: payload.len() - read,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GroupSpec, Protocol};

    fn spec() -> GroupSpec {
        GroupSpec::builder()
            .protocol(Protocol::Cooperative)
            .topic("orders", 3)
            .member("c1", &["orders"])
            .owned(&[("orders", 1)], Some(4))
            .build()
    }

    #[test]
    fn round_trips_a_group_spec() {
        let spec = spec();
        assert_eq!(decode::<GroupSpec>(&encode(&spec)).unwrap(), spec);
    }

    #[test]
    fn refuses_another_kind_of_envelope() {
        let mut bytes = encode(&spec());
        bytes[0] = b'X';
        assert!(matches!(
            decode::<GroupSpec>(&bytes),
            Err(CodecError::WrongKind { .. })
        ));
    }

    #[test]
    fn refuses_another_version_naming_both() {
        let mut bytes = encode(&spec());
        bytes[4] = 99;
        let err = decode::<GroupSpec>(&bytes).unwrap_err();
        assert!(err.to_string().contains("version 99"), "{err}");
    }

    #[test]
    fn refuses_truncated_and_padded_payloads() {
        let bytes = encode(&spec());
        assert!(matches!(
            decode::<GroupSpec>(&bytes[..bytes.len() - 1]),
            Err(CodecError::Malformed { .. })
        ));
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(matches!(
            decode::<GroupSpec>(&padded),
            Err(CodecError::TrailingBytes { extra: 1, .. })
        ));
        assert!(matches!(
            decode::<GroupSpec>(&bytes[..3]),
            Err(CodecError::TooShort { len: 3 })
        ));
    }

    #[test]
    fn a_hostile_length_prefix_fails_instead_of_allocating() {
        let mut bytes = encode(&spec());
        bytes.truncate(HEADER_LEN + 1); // generation
        bytes.push(0); // protocol
        bytes.extend_from_slice(&[0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]); // topics: 2^63
        assert!(decode::<GroupSpec>(&bytes).is_err());
    }
}
