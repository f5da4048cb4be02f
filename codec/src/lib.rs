//! The one codec of the project: version-tagged bincode envelopes.
//!
//! Every byte string Regroup makes (plugin calls, wire frames, stored files) is
//! `tag (4 bytes) | version (u16, little endian) | bincode payload`. bincode is positional, so a
//! shape never changes in place: a type that grows gets a new [`Envelope::VERSION`] whose shape is
//! the previous one with the new fields appended, each optional with a default. A reader takes
//! every version from [`Envelope::OLDEST`] to its own newest (older bytes read as the newer shape
//! with the defaults) and refuses any other with a clear error; a writer can write any of them
//! ([`encode_version`]), so a newer side sends an older reader the shape it understands.

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer};
use serde::{Serialize, Serializer};

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
    /// The newest shape's version: what this side writes unless asked for an older one.
    const VERSION: u16;
    /// The oldest shape this side still reads and writes.
    const OLDEST: u16 = Self::VERSION;

    /// About how many bytes the payload takes, so encoding reserves once instead of growing
    /// (and copying) its buffer step by step: what a million-partition assignment needs.
    fn size_hint(&self) -> usize {
        0
    }

    /// Writes the shape of `version` (from [`Self::OLDEST`] to [`Self::VERSION`]). Types with one
    /// shape write it.
    fn serialize_version<S: Serializer>(&self, version: u16, serializer: S) -> Result<S::Ok, S::Error> {
        let _ = version;
        self.serialize(serializer)
    }

    /// Reads the shape of `version` (from [`Self::OLDEST`] to [`Self::VERSION`]); fields newer
    /// than `version` take their defaults. Types with one shape read it.
    fn deserialize_version<'de, D: Deserializer<'de>>(
        version: u16,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        let _ = version;
        Self::deserialize(deserializer)
    }
}

/// Which versions of one kind of envelope a side reads: `oldest..=newest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reads {
    pub tag: [u8; 4],
    pub oldest: u16,
    pub newest: u16,
}

impl Reads {
    /// What this side reads of `T`.
    pub fn of<T: Envelope>() -> Reads {
        Reads {
            tag: T::TAG,
            oldest: T::OLDEST,
            newest: T::VERSION,
        }
    }

    /// The newest version of `T` that both this side writes and a reader declaring `reads`
    /// reads; `None` if they share none. A reader that declares nothing for `T` reads version 1.
    pub fn newest_shared<T: Envelope>(reads: &[Reads]) -> Option<u16> {
        let theirs = reads.iter().find(|r| r.tag == T::TAG).copied().unwrap_or(Reads {
            tag: T::TAG,
            oldest: 1,
            newest: 1,
        });
        let version = theirs.newest.min(T::VERSION);
        (version >= theirs.oldest.max(T::OLDEST)).then_some(version)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("envelope too short: {len} bytes, the header alone takes {HEADER_LEN}")]
    TooShort { len: usize },
    #[error("expected a {expected} envelope, found tag {found:?}")]
    WrongKind { expected: String, found: [u8; 4] },
    #[error(
        "{kind} envelope version {found} is not supported (this side reads versions {oldest} to {supported})"
    )]
    UnsupportedVersion {
        kind: String,
        found: u16,
        /// The oldest version this side reads.
        oldest: u16,
        /// The newest version this side reads.
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

/// Appends `value` as an envelope to `out`, in its newest shape.
pub fn encode_into<T: Envelope>(value: &T, out: &mut Vec<u8>) {
    encode_version_into(value, T::VERSION, out)
}

/// `value` as an envelope, in its newest shape.
pub fn encode<T: Envelope>(value: &T) -> Vec<u8> {
    encode_version(value, T::VERSION)
}

/// `value` as an envelope in the shape of `version`, for a reader that reads no newer one.
///
/// # Panics
/// If `version` is outside `T::OLDEST..=T::VERSION` (pick it with [`Reads::newest_shared`]).
pub fn encode_version<T: Envelope>(value: &T, version: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + value.size_hint());
    encode_version_into(value, version, &mut out);
    out
}

fn encode_version_into<T: Envelope>(value: &T, version: u16, out: &mut Vec<u8>) {
    assert!(
        (T::OLDEST..=T::VERSION).contains(&version),
        "{} envelopes are written in versions {} to {}, not {version}",
        kind_name(T::TAG),
        T::OLDEST,
        T::VERSION
    );
    struct Shaped<'a, T>(&'a T, u16);
    impl<T: Envelope> Serialize for Shaped<'_, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.0.serialize_version(self.1, serializer)
        }
    }
    out.extend_from_slice(&T::TAG);
    out.extend_from_slice(&version.to_le_bytes());
    bincode::serde::encode_into_std_write(Shaped(value, version), out, config())
        .expect("writing to a Vec cannot fail and every Regroup type is serializable");
}

/// Checks the header of an envelope of kind `E`; returns its version and payload.
fn open<E: Envelope>(bytes: &[u8]) -> Result<(u16, &[u8]), CodecError> {
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
    if !(E::OLDEST..=E::VERSION).contains(&version) {
        return Err(CodecError::UnsupportedVersion {
            kind: kind_name(E::TAG),
            found: version,
            oldest: E::OLDEST,
            supported: E::VERSION,
        });
    }
    Ok((version, &bytes[HEADER_LEN..]))
}

/// Reads one envelope that must fill `bytes` exactly, in any version this side reads.
pub fn decode<T: Envelope>(bytes: &[u8]) -> Result<T, CodecError> {
    let (version, payload) = open::<T>(bytes)?;
    struct Shape<T>(u16, std::marker::PhantomData<T>);
    impl<'de, T: Envelope> DeserializeSeed<'de> for Shape<T> {
        type Value = T;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
            T::deserialize_version(self.0, deserializer)
        }
    }
    let (value, read) = bincode::serde::seed_decode_from_slice(
        Shape::<T>(version, std::marker::PhantomData),
        payload,
        config(),
    )
    .map_err(|e| CodecError::Malformed {
        kind: kind_name(T::TAG),
        reason: e.to_string(),
    })?;
    finished::<T>(payload, read)?;
    Ok(value)
}

fn finished<E: Envelope>(payload: &[u8], read: usize) -> Result<(), CodecError> {
    if read != payload.len() {
        return Err(CodecError::TrailingBytes {
            kind: kind_name(E::TAG),
            extra: payload.len() - read,
        });
    }
    Ok(())
}

/// As [`decode`], for an envelope of kind `E` with a single shape, into `T`: a type of `E`'s
/// shape (or of the shape of its first variants) that may borrow byte strings from `bytes`
/// instead of copying them.
pub fn decode_view<'de, E: Envelope, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, CodecError> {
    let (_, payload) = open::<E>(bytes)?;
    let (value, read) = bincode::serde::borrow_decode_from_slice::<T, _>(payload, config()).map_err(|e| {
        CodecError::Malformed {
            kind: kind_name(E::TAG),
            reason: e.to_string(),
        }
    })?;
    finished::<E>(payload, read)?;
    Ok(value)
}
