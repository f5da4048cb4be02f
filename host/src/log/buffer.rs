//! [`ReadBuffer`]: bytes read again and again into the same memory.

/// A growable byte buffer meant for reuse: clearing or truncating it keeps its memory allocated
/// and initialized, so the next read into it neither allocates, faults pages in, nor zeroes
/// them (as a fresh `vec![0; n]` per read would). Readers append with
/// [`ReadBuffer::spare`] then [`ReadBuffer::commit`].
#[derive(Debug, Default, Clone)]
pub struct ReadBuffer {
    /// Initialized memory; `bytes[..len]` is the content.
    bytes: Vec<u8>,
    len: usize,
}

impl ReadBuffer {
    pub fn new() -> Self {
        ReadBuffer::default()
    }

    /// The content.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.bytes[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the buffer holds without growing.
    pub fn capacity(&self) -> usize {
        self.bytes.len()
    }

    /// Empties the buffer; its memory stays for the next use.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Keeps the first `len` bytes (no effect if there are fewer).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.spare(bytes.len()).copy_from_slice(bytes);
        self.len += bytes.len();
    }

    /// `n` bytes after the content to read into; they join the content with
    /// [`ReadBuffer::commit`]. Only memory never used before is zeroed.
    pub fn spare(&mut self, n: usize) -> &mut [u8] {
        let end = self.len + n;
        if self.bytes.len() < end {
            // Grow to at least double, as a Vec would, so appends stay amortized.
            let grown = end.max(self.bytes.len().saturating_mul(2));
            if self.bytes.is_empty() {
                // Zeroed by the allocator (fresh pages from the kernel), not written over.
                self.bytes = vec![0; grown];
            } else {
                self.bytes.resize(grown, 0);
            }
        }
        &mut self.bytes[self.len..end]
    }

    /// Adds `n` bytes written through [`ReadBuffer::spare`] to the content.
    pub fn commit(&mut self, n: usize) {
        assert!(self.len + n <= self.bytes.len(), "commit past the spare bytes");
        self.len += n;
    }

    /// The content as a `Vec` (the spare memory is given back).
    pub fn into_vec(mut self) -> Vec<u8> {
        self.bytes.truncate(self.len);
        self.bytes
    }
}

impl From<Vec<u8>> for ReadBuffer {
    fn from(bytes: Vec<u8>) -> Self {
        let len = bytes.len();
        ReadBuffer { bytes, len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_what_was_committed_and_memory_stays_across_clears() {
        let mut buffer = ReadBuffer::new();
        buffer.extend_from_slice(b"head");
        buffer.spare(3).copy_from_slice(b"abc");
        buffer.commit(2);
        assert_eq!(buffer.as_slice(), b"headab");
        let capacity = buffer.capacity();
        buffer.clear();
        assert!(buffer.is_empty());
        assert_eq!(buffer.capacity(), capacity);
        buffer.extend_from_slice(b"xy");
        buffer.truncate(1);
        assert_eq!(buffer.as_slice(), b"x");
        assert_eq!(buffer.into_vec(), b"x");
    }
}
