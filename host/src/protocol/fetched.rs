//! [`FetchedFrame`]: a whole frame carrying [`Response::Fetched`], built in place so each
//! partition's batches are read straight into the frame instead of into a buffer of their own
//! and then copied into the frame by the encoder.
//!
//! The bytes are exactly those [`super::encode_frame`] makes for the same answer (the codec's
//! bincode layout: a byte string is its length as a varint, then its bytes); the tests check it.

use regroup_assignor_api::codec::{self, Envelope};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::FRAME_HEADER_LEN;
use super::WireError;
use super::messages::Response;
use super::messages::records::FetchedPartition;
use crate::log::ReadBuffer;

/// Room kept before a partition's batches for their length: a varint of a length below 2^32
/// takes at most 5 bytes (1 marker, 4 value).
const LENGTH_ROOM: usize = 5;

/// Where a partition's batches end and the log's bounds, as the reader reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadBounds {
    pub high_watermark: u64,
    pub log_start_offset: u64,
}

/// A fetch answer being built into a frame buffer, partition by partition, in the order asked.
pub struct FetchedFrame {
    out: ReadBuffer,
    remaining: usize,
    /// A partition with batches or an error: worth sending before the wait is over.
    worth_answering: bool,
}

impl FetchedFrame {
    /// Starts an answer of `partitions` entries in `out` (cleared; its memory is reused).
    pub fn new(mut out: ReadBuffer, partitions: usize) -> Self {
        out.clear();
        // Frame header, filled by `finish`.
        out.extend_from_slice(&[0; FRAME_HEADER_LEN]);
        // The envelope of an empty `Fetched` ends with the list's length, a one-byte varint 0:
        // everything before it is the envelope header and the variant.
        let empty = codec::encode(&Response::Fetched(Vec::new()));
        out.extend_from_slice(&empty[..empty.len() - 1]);
        put(&(partitions as u64), &mut out);
        FetchedFrame {
            out,
            remaining: partitions,
            worth_answering: false,
        }
    }

    /// Adds the next partition: `read` appends its batches to the buffer it is given (and
    /// nothing else) and says where the log begins and ends, or fails for the partition.
    pub fn partition(
        &mut self,
        topic: &str,
        partition: u32,
        read: impl FnOnce(&mut ReadBuffer) -> Result<ReadBounds, WireError>,
    ) {
        assert!(self.remaining > 0, "more partitions than announced");
        self.remaining -= 1;
        let mark = self.out.len();
        // `Ok` is the variant 0 of `Result`.
        put(&(topic.to_owned(), partition, 0u32), &mut self.out);
        let length_at = self.out.len();
        self.out.spare(LENGTH_ROOM);
        self.out.commit(LENGTH_ROOM);
        let batches_at = self.out.len();
        match read(&mut self.out) {
            Ok(bounds) => {
                let len = self.out.len() - batches_at;
                let mut length = Vec::with_capacity(LENGTH_ROOM + codec::HEADER_LEN);
                encode_piece(&(len as u64), &mut length);
                let length = &length[codec::HEADER_LEN..];
                if length.len() <= LENGTH_ROOM {
                    // Only short lengths take fewer bytes (below 64 KiB): a small move.
                    let shift = LENGTH_ROOM - length.len();
                    let bytes = self.out.as_mut_slice();
                    if shift > 0 {
                        bytes.copy_within(batches_at..batches_at + len, batches_at - shift);
                    }
                    self.out.truncate(self.out.len() - shift);
                } else {
                    // 4 GiB or more (no frame carries that; the server caps its answers).
                    let extra = length.len() - LENGTH_ROOM;
                    self.out.spare(extra);
                    self.out.commit(extra);
                    let bytes = self.out.as_mut_slice();
                    bytes.copy_within(batches_at..batches_at + len, batches_at + extra);
                }
                self.out.as_mut_slice()[length_at..length_at + length.len()].copy_from_slice(length);
                put(&(bounds.high_watermark, bounds.log_start_offset), &mut self.out);
                self.worth_answering |= len > 0;
            }
            Err(error) => {
                self.out.truncate(mark);
                let failed = FetchedPartition {
                    topic: topic.to_owned(),
                    partition,
                    result: Err(error),
                };
                put(&failed, &mut self.out);
                self.worth_answering = true;
            }
        }
    }

    /// True once a partition has records or failed.
    pub fn worth_answering(&self) -> bool {
        self.worth_answering
    }

    /// The whole frame for `request_id`; its buffer can be reused once written.
    pub fn finish(mut self, request_id: u64) -> ReadBuffer {
        assert_eq!(self.remaining, 0, "fewer partitions than announced");
        let length = u32::try_from(self.out.len() - 4).unwrap_or(u32::MAX);
        let bytes = self.out.as_mut_slice();
        bytes[..4].copy_from_slice(&length.to_le_bytes());
        bytes[4..FRAME_HEADER_LEN].copy_from_slice(&request_id.to_le_bytes());
        self.out
    }

    /// Gives the buffer back without sending (to build again later).
    pub fn into_buffer(self) -> ReadBuffer {
        self.out
    }
}

/// A value encoded by the codec as the inside of an envelope: a newtype is encoded as what it
/// wraps, so dropping the envelope header leaves the value's own bytes.
#[derive(Serialize, serde::Deserialize)]
struct Piece<T>(T);

impl<T: Serialize + DeserializeOwned> Envelope for Piece<T> {
    const TAG: [u8; 4] = *b"RGPC";
    const VERSION: u16 = 0;
}

fn encode_piece<T: Serialize + DeserializeOwned + Clone>(value: &T, out: &mut Vec<u8>) {
    codec::encode_into(&Piece(value.clone()), out);
}

/// Appends `value`'s codec bytes.
fn put<T: Serialize + DeserializeOwned + Clone>(value: &T, out: &mut ReadBuffer) {
    let mut bytes = Vec::with_capacity(64);
    encode_piece(value, &mut bytes);
    out.extend_from_slice(&bytes[codec::HEADER_LEN..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::records::PartitionRecords;
    use crate::protocol::{ErrorCode, encode_frame};

    /// A partition's answer: batches, high watermark, log start, or the error.
    type Part = Result<(Vec<u8>, u64, u64), WireError>;

    fn expected(request_id: u64, parts: &[(&str, u32, Part)]) -> Vec<u8> {
        let response = Response::Fetched(
            parts
                .iter()
                .map(|(topic, partition, result)| FetchedPartition {
                    topic: (*topic).to_owned(),
                    partition: *partition,
                    result: result.clone().map(|(batches, high_watermark, log_start_offset)| {
                        PartitionRecords {
                            batches,
                            high_watermark,
                            log_start_offset,
                        }
                    }),
                })
                .collect(),
        );
        encode_frame(request_id, &response)
    }

    #[test]
    fn built_frames_are_the_encoder_s_bytes_for_every_length_class() {
        let lengths = [0usize, 1, 250, 251, 300, 65_535, 65_536, 70_000, 1 << 20];
        let parts: Vec<(&str, u32, Part)> = lengths
            .iter()
            .enumerate()
            .map(|(i, &len)| {
                let result = if i == 3 {
                    Err(WireError::new(ErrorCode::InvalidRequest, "no"))
                } else {
                    Ok((
                        (0..len).map(|b| b as u8).collect(),
                        1 << 40 | len as u64,
                        i as u64 * 300,
                    ))
                };
                ("topic-x", i as u32 * 1000, result)
            })
            .collect();
        // A reused buffer with stale bytes in it must not leak them.
        let mut buffer = ReadBuffer::from(vec![0xAB; 3 << 20]);
        for round in 0..2 {
            let mut frame = FetchedFrame::new(buffer, parts.len());
            for (topic, partition, result) in &parts {
                frame.partition(topic, *partition, |out| match result {
                    Ok((batches, high_watermark, log_start_offset)) => {
                        out.extend_from_slice(batches);
                        Ok(ReadBounds {
                            high_watermark: *high_watermark,
                            log_start_offset: *log_start_offset,
                        })
                    }
                    Err(error) => {
                        // A failed read may have appended part of its bytes: they are dropped.
                        out.extend_from_slice(b"partial");
                        Err(error.clone())
                    }
                });
            }
            assert!(frame.worth_answering());
            let built = frame.finish(77 + round);
            assert_eq!(
                built.as_slice(),
                expected(77 + round, &parts).as_slice(),
                "round {round}"
            );
            buffer = built;
        }
    }

    #[test]
    fn an_answer_without_records_or_errors_is_not_worth_answering_early() {
        let mut frame = FetchedFrame::new(ReadBuffer::new(), 1);
        frame.partition("t", 0, |_| {
            Ok(ReadBounds {
                high_watermark: 5,
                log_start_offset: 0,
            })
        });
        assert!(!frame.worth_answering());
        assert_eq!(
            frame.finish(1).as_slice(),
            expected(1, &[("t", 0, Ok((Vec::new(), 5, 0)))]).as_slice()
        );
    }
}
