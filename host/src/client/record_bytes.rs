//! [`RecordBytes`]: a record's value as the consumer hands it out, without a copy.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

/// Bytes of a record, shared with the fetch answer they arrived in: reading a record's value
/// copies nothing and allocates nothing. Use it as a `&[u8]` (it derefs to one; `as_slice`,
/// `len`, indexing, comparisons with byte slices and vectors all work).
///
/// A value keeps its whole fetch answer's memory alive (up to `fetch.max.bytes`) for as long as
/// it lives; to keep a few values long after the poll, take a copy with `to_vec()`.
#[derive(Clone)]
pub struct RecordBytes {
    buffer: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl RecordBytes {
    /// `range` of `buffer`; panics when out of bounds.
    pub(crate) fn shared(buffer: &Arc<Vec<u8>>, range: Range<usize>) -> Self {
        assert!(
            range.start <= range.end && range.end <= buffer.len(),
            "range out of bounds"
        );
        RecordBytes {
            buffer: Arc::clone(buffer),
            range,
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.buffer[self.range.clone()]
    }

    /// The bytes in a `Vec` of their own.
    pub fn into_vec(self) -> Vec<u8> {
        match Arc::try_unwrap(self.buffer) {
            Ok(mut whole) if self.range.start == 0 => {
                whole.truncate(self.range.end);
                whole
            }
            Ok(whole) => whole[self.range].to_vec(),
            Err(shared) => shared[self.range].to_vec(),
        }
    }
}

impl Deref for RecordBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for RecordBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::borrow::Borrow<[u8]> for RecordBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Default for RecordBytes {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl From<Vec<u8>> for RecordBytes {
    fn from(bytes: Vec<u8>) -> Self {
        let range = 0..bytes.len();
        RecordBytes {
            buffer: Arc::new(bytes),
            range,
        }
    }
}

impl From<&[u8]> for RecordBytes {
    fn from(bytes: &[u8]) -> Self {
        bytes.to_vec().into()
    }
}

impl From<RecordBytes> for Vec<u8> {
    fn from(bytes: RecordBytes) -> Self {
        bytes.into_vec()
    }
}

impl fmt::Debug for RecordBytes {
    /// As a `Vec<u8>` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl PartialEq for RecordBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for RecordBytes {}

impl std::hash::Hash for RecordBytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl PartialOrd for RecordBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RecordBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl PartialEq<[u8]> for RecordBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for RecordBytes {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for RecordBytes {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for RecordBytes {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<Vec<u8>> for RecordBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<RecordBytes> for Vec<u8> {
    fn eq(&self, other: &RecordBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<RecordBytes> for [u8] {
    fn eq(&self, other: &RecordBytes) -> bool {
        self == other.as_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_bytes_read_compare_and_detach_like_a_vec() {
        let frame = Arc::new(b"headvaluetail".to_vec());
        let value = RecordBytes::shared(&frame, 4..9);
        assert_eq!(value.len(), 5);
        assert_eq!(value, *b"value");
        assert_eq!(value, b"value".to_vec());
        assert_eq!(b"value".to_vec(), value);
        assert_eq!(&value[1..3], b"al");
        assert_eq!(String::from_utf8_lossy(&value), "value");
        assert_eq!(format!("{value:?}"), format!("{:?}", b"value".to_vec()));
        assert_eq!(value.clone().into_vec(), b"value");
        drop(frame);
        assert_eq!(value.into_vec(), b"value");
        assert_eq!(RecordBytes::from(vec![1, 2]).into_vec(), vec![1, 2]);
        assert!(RecordBytes::default().is_empty());
    }
}
