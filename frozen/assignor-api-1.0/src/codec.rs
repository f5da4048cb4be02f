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

    /// About how many bytes the payload takes, so encoding reserves once instead of growing
    /// (and copying) its buffer step by step: what a million-partition assignment needs.
    fn size_hint(&self) -> usize {
        0
    }
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
    let mut out = Vec::with_capacity(HEADER_LEN + value.size_hint());
    encode_into(value, &mut out);
    out
}

/// Reads one envelope that must fill `bytes` exactly.
pub fn decode<T: Envelope>(bytes: &[u8]) -> Result<T, CodecError> {
    decode_view::<T, T>(bytes)
}

/// As [`decode`], for an envelope of kind `E`, into `T`: a type of `E`'s shape (or of the shape
/// of its first variants) that may borrow byte strings from `bytes` instead of copying them.
pub fn decode_view<'de, E: Envelope, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, CodecError> {
    if bytes.len() < HEADER_LEN {
        return Err(CodecError::TooShort { len: bytes.len() });
    }
    let tag: [u8; 4] = bytes[..4].try_into().expect("4 bytes");
    if tag != E::TAG {
        return Err(CodecError::WrongKind {
            expected: kind_name(E::TAG),
            found: tag,
        });
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != E::VERSION {
        return Err(CodecError::UnsupportedVersion {
            kind: kind_name(E::TAG),
            found: version,
            supported: E::VERSION,
        });
    }
    let payload = &bytes[HEADER_LEN..];
    let (value, read) = bincode::serde::borrow_decode_from_slice::<T, _>(payload, config()).map_err(|e| {
        CodecError::Malformed {
            kind: kind_name(E::TAG),
            reason: e.to_string(),
        }
    })?;
    if read != payload.len() {
        return Err(CodecError::TrailingBytes {
            kind: kind_name(E::TAG),
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
    fn members_sharing_a_subscription_round_trip_with_their_own_data() {
        let spec = GroupSpec::builder()
            .topic("a", 2)
            .topic("b", 1)
            .member("m1", &["a", "b"])
            .user_data(b"one")
            .member("m2", &["a"])
            .member("m3", &["a", "b"])
            .owned(&[("b", 0)], Some(2))
            .rack("r1")
            .build();
        let bytes = encode(&spec);
        let decoded = decode::<GroupSpec>(&bytes).unwrap();
        assert_eq!(decoded, spec);
        // Decoded, like members hold one list between them.
        let [m1, m2, m3] = &decoded.members[..] else {
            panic!("three members")
        };
        assert!(m1.topics.shares(&m3.topics));
        assert!(!m1.topics.shares(&m2.topics));
    }

    #[test]
    fn a_member_referring_to_a_missing_subscription_is_malformed() {
        let spec = GroupSpec::builder().topic("a", 1).member("m1", &["a"]).build();
        let mut bytes = encode(&spec);
        // After the member's id ("m1") comes its instance id (None: one byte), then its
        // subscription index.
        let at = bytes.windows(2).rposition(|w| w == b"m1").unwrap() + 3;
        bytes[at] = 7;
        let err = decode::<GroupSpec>(&bytes).unwrap_err();
        assert!(err.to_string().contains("subscription 7 of 1"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn any_group_round_trips(
            members in proptest::collection::vec(
                (proptest::collection::vec(0u32..4, 0..4), proptest::collection::vec(proptest::num::u8::ANY, 0..6),
                 proptest::collection::vec((0u32..4, 0u32..9), 0..5), proptest::option::of(0i32..9)),
                0..12),
        ) {
            let mut builder = GroupSpec::builder().generation(3).topic("a", 9).topic("b", 2).topic("c", 0).topic("d", 1);
            let names = ["a", "b", "c", "d"];
            for (i, (topics, data, owned, generation)) in members.iter().enumerate() {
                let topics: Vec<&str> = topics.iter().map(|t| names[*t as usize]).collect();
                let owned: Vec<(&str, u32)> = owned.iter().map(|(t, p)| (names[*t as usize], *p)).collect();
                builder = builder.member(&format!("m{i}"), &topics).user_data(data).owned(&owned, *generation);
            }
            let spec = builder.build();
            proptest::prop_assert_eq!(decode::<GroupSpec>(&encode(&spec)).unwrap(), spec);
        }
    }

    #[test]
    fn a_packed_array_of_the_wrong_length_is_malformed() {
        use crate::abi::AssignReply;
        use crate::model::{Assignment, MemberAssignment, TopicId, TopicPartition};
        let reply = AssignReply(Ok(Assignment {
            members: vec![MemberAssignment {
                member_id: "m".into(),
                partitions: vec![TopicPartition::new(TopicId(1), 2)],
                user_data: vec![],
            }],
        }));
        let mut bytes = encode(&reply);
        let round: AssignReply = decode(&bytes).unwrap();
        assert_eq!(round, reply);
        // The partitions' byte string is 8 bytes long; claim 7 and drop one byte.
        let at = bytes.iter().rposition(|&b| b == 8).unwrap();
        bytes[at] = 7;
        bytes.remove(at + 1);
        let err = decode::<AssignReply>(&bytes).unwrap_err();
        assert!(err.to_string().contains("8-byte entries"), "{err}");
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
        bytes.truncate(HEADER_LEN + 2); // generation, protocol
        bytes.extend_from_slice(&[0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]); // topics: 2^63
        assert!(decode::<GroupSpec>(&bytes).is_err());
    }
}
