//! Responses as they go on the wire: size, header, body, encoded by the `kafka-protocol` crate
//! into a buffer that splices instead of copying. A Fetch answer's records are the very bytes
//! the log read from its files: when the encoder puts a slice lying inside them, the answer takes
//! a reference to it as a piece of its own, and the pieces go to the socket in one vectored
//! write. So a fetched byte is copied once in user space (read from the file into the read
//! buffer), then by the kernel into the socket.

use std::io::IoSlice;
use std::ops::Range;

use bytes::buf::UninitSlice;
use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::Encodable;
use kafka_protocol::protocol::buf::ByteBufMut;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// A response as it goes on the wire, in pieces: size, header of the version the API's version
/// calls for, body. Slices of `shared` (a Fetch's records) are referenced, not copied.
pub(super) fn encode(
    api: ApiKey,
    version: i16,
    correlation_id: i32,
    body: &ResponseKind,
    shared: Option<Bytes>,
) -> Result<Vec<Bytes>, String> {
    let mut out = Spliced {
        current: BytesMut::with_capacity(256),
        parts: vec![Bytes::new()],
        shared,
        before: 0,
    };
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(&mut out, api.response_header_version(version))
        .and_then(|()| match body {
            // The one answer with slices to reference; the crate encodes the others into a
            // BytesMut only.
            ResponseKind::Fetch(fetch) => fetch.encode(&mut out, version),
            other => other.encode(&mut out.current, version),
        })
        .map_err(|error| format!("{api:?} v{version}: the response could not be encoded: {error}"))?;
    let size = i32::try_from(out.offset())
        .map_err(|_| format!("{api:?} v{version}: the response is larger than 2 GiB"))?;
    out.parts[0] = Bytes::copy_from_slice(&size.to_be_bytes());
    if !out.current.is_empty() {
        out.parts.push(out.current.freeze());
    }
    Ok(out.parts)
}

/// Writes `parts` back to back with vectored writes.
pub(super) async fn write_parts<W: AsyncWrite + Unpin>(
    writer: &mut W,
    parts: &[Bytes],
) -> std::io::Result<()> {
    let mut parts: Vec<Bytes> = parts.iter().filter(|part| !part.is_empty()).cloned().collect();
    let mut first = 0;
    while first < parts.len() {
        let slices: Vec<IoSlice<'_>> = parts[first..].iter().map(|part| IoSlice::new(part)).collect();
        let mut written = writer.write_vectored(&slices).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while written > 0 {
            let part = &mut parts[first];
            let taken = written.min(part.len());
            let _ = part.split_to(taken);
            written -= taken;
            if part.is_empty() {
                first += 1;
            }
        }
    }
    writer.flush().await
}

/// An encoding buffer that references slices of `shared` rather than copying them.
struct Spliced {
    /// What was encoded since the last referenced slice.
    current: BytesMut,
    /// Finished pieces, the first kept for the size.
    parts: Vec<Bytes>,
    shared: Option<Bytes>,
    /// Encoded bytes in `parts` (the size excluded).
    before: usize,
}

impl Spliced {
    /// `slice` as a piece of `shared`, when it lies inside it.
    fn piece_of_shared(&self, slice: &[u8]) -> Option<Bytes> {
        let shared = self.shared.as_ref()?;
        if slice.is_empty() {
            return None;
        }
        let start = (slice.as_ptr() as usize).checked_sub(shared.as_ptr() as usize)?;
        (start + slice.len() <= shared.len()).then(|| shared.slice(start..start + slice.len()))
    }
}

// SAFETY: every method hands on to `current`, a BytesMut, which upholds BufMut's contract.
unsafe impl BufMut for Spliced {
    fn remaining_mut(&self) -> usize {
        self.current.remaining_mut()
    }

    unsafe fn advance_mut(&mut self, count: usize) {
        // SAFETY: the caller initialised `count` bytes of `current`'s chunk_mut.
        unsafe { self.current.advance_mut(count) }
    }

    fn chunk_mut(&mut self) -> &mut UninitSlice {
        self.current.chunk_mut()
    }

    fn put_slice(&mut self, source: &[u8]) {
        match self.piece_of_shared(source) {
            Some(piece) => {
                self.before += self.current.len() + piece.len();
                let encoded = self.current.split().freeze();
                self.parts.push(encoded);
                self.parts.push(piece);
            }
            None => self.current.put_slice(source),
        }
    }
}

impl ByteBufMut for Spliced {
    fn offset(&self) -> usize {
        self.before + self.current.len()
    }

    /// Only within what was encoded since the last referenced slice (Kafka's encoder seeks
    /// only to fill in a length it has just left a gap for).
    fn seek(&mut self, offset: usize) {
        self.current.resize(offset - self.before, 0);
    }

    fn range(&mut self, range: Range<usize>) -> &mut [u8] {
        &mut self.current[range.start - self.before..range.end - self.before]
    }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::fetch_response::{FetchResponse, FetchableTopicResponse, PartitionData};

    use super::*;

    fn fetch_answer(records: &Bytes, halves: bool) -> ResponseKind {
        let partitions = if halves {
            let half = records.len() / 2;
            vec![
                PartitionData::default().with_records(Some(records.slice(..half))),
                PartitionData::default()
                    .with_partition_index(1)
                    .with_records(Some(records.slice(half..))),
            ]
        } else {
            vec![PartitionData::default().with_records(Some(records.clone()))]
        };
        ResponseKind::Fetch(FetchResponse::default().with_responses(vec![
            FetchableTopicResponse::default().with_partitions(partitions),
        ]))
    }

    #[test]
    fn fetched_records_are_referenced_not_copied_and_the_bytes_match_a_plain_encoding() {
        let records = Bytes::from((0..10_000u32).map(|i| i as u8).collect::<Vec<u8>>());
        for version in [4, 11, 12] {
            for halves in [false, true] {
                let body = fetch_answer(&records, halves);
                let parts = encode(ApiKey::Fetch, version, 7, &body, Some(records.clone())).unwrap();
                // Every byte of the records lies in a piece pointing into the records' memory.
                let referenced: usize = parts
                    .iter()
                    .filter(|part| {
                        let start = part.as_ptr() as usize;
                        let base = records.as_ptr() as usize;
                        start >= base && start + part.len() <= base + records.len() && !part.is_empty()
                    })
                    .map(Bytes::len)
                    .sum();
                assert_eq!(referenced, records.len(), "v{version}, halves {halves}");
                // The same bytes as the crate's own encoding into one buffer.
                let plain = encode(ApiKey::Fetch, version, 7, &body, None).unwrap();
                assert_eq!(plain.concat(), parts.concat(), "v{version}, halves {halves}");
                let mut expected = BytesMut::new();
                ResponseHeader::default()
                    .with_correlation_id(7)
                    .encode(&mut expected, ApiKey::Fetch.response_header_version(version))
                    .unwrap();
                body.encode(&mut expected, version).unwrap();
                let mut framed = (expected.len() as i32).to_be_bytes().to_vec();
                framed.extend_from_slice(&expected);
                assert_eq!(parts.concat(), framed, "v{version}, halves {halves}");
            }
        }
    }

    #[tokio::test]
    async fn pieces_are_written_whole_and_in_order() {
        let parts = vec![
            Bytes::from_static(b"ab"),
            Bytes::new(),
            Bytes::from(vec![7u8; 100_000]),
            Bytes::from_static(b"z"),
        ];
        let mut written = Vec::new();
        write_parts(&mut written, &parts).await.unwrap();
        assert_eq!(written, parts.concat());
    }
}
