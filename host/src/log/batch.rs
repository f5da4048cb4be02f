//! A batch: the unit of append, checksum and fetch.
//!
//! Batch layout (all integers little-endian):
//!
//! | offset | size | field          | meaning                                                  |
//! |-------:|-----:|----------------|----------------------------------------------------------|
//! | 0      | 4    | length         | u32, bytes after this field (crc through last record)    |
//! | 4      | 4    | crc            | u32, CRC32C (Castagnoli) of bytes `8 .. 4 + length`      |
//! | 8      | 1    | batch_version  | u8, [`BATCH_VERSION`]                                    |
//! | 9      | 8    | base_offset    | u64, offset of the first record                          |
//! | 17     | 4    | record_count   | u32, at least 1; record `i` has offset `base_offset + i` |
//! | 21     | 8    | max_timestamp  | i64, largest record timestamp (ms since the epoch)       |
//! | 29     | ...  | records        | `record_count` records, laid out as below                |
//!
//! Record layout:
//!
//! | size | field        | meaning                                               |
//! |-----:|--------------|-------------------------------------------------------|
//! | 4    | body_length  | u32, bytes after this field                           |
//! | 8    | timestamp    | i64, ms since the epoch                               |
//! | 4    | key_length   | i32, -1 when the record has no key                    |
//! | k    | key          |                                                       |
//! | 4    | value_length | u32                                                   |
//! | v    | value        |                                                       |
//! | 2    | header_count | u16                                                   |
//! |      | headers      | each: u16 name length, UTF-8 name, u32 value length, value |
//!
//! The CRC covers the base offset too, so a batch copied to the wrong place is caught.

use super::record::{Header, Record, StoredRecord};

pub const BATCH_HEADER_LEN: usize = 29;
pub const BATCH_VERSION: u8 = 1;
/// Largest batch the log accepts: keeps a torn length field from asking for gigabytes.
pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;
const LENGTH_FIELD: usize = 4;
/// The smallest record: body length, timestamp, key length, value length, header count.
const MIN_RECORD_LEN: usize = 4 + 8 + 4 + 4 + 2;

/// The fixed part of a batch, readable without the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// Bytes of the whole batch, length field included.
    pub size: usize,
    pub crc: u32,
    pub base_offset: u64,
    pub record_count: u32,
    pub max_timestamp: i64,
}

impl BatchHeader {
    pub fn last_offset(&self) -> u64 {
        self.base_offset + u64::from(self.record_count) - 1
    }

    pub fn next_offset(&self) -> u64 {
        self.base_offset + u64::from(self.record_count)
    }
}

/// Why bytes are not a valid batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchDefect {
    #[error("batch needs {needed} bytes but only {available} remain")]
    Truncated { needed: usize, available: usize },
    #[error("batch length field {0} is implausible")]
    ImplausibleLength(u32),
    #[error("batch checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    CrcMismatch { stored: u32, computed: u32 },
    #[error("unknown batch version {0}")]
    UnknownVersion(u8),
    #[error("batch holds no records")]
    NoRecords,
    #[error("malformed record: {0}")]
    MalformedRecord(&'static str),
}

/// Encodes `records` as one batch whose first offset is `base_offset`.
/// Records without a timestamp get `append_time_ms`.
pub fn encode(base_offset: u64, records: &[Record], append_time_ms: i64) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(BATCH_HEADER_LEN + records.iter().map(encoded_record_len).sum::<usize>());
    out.extend_from_slice(&[0u8; 8]); // length and crc, filled in below
    out.push(BATCH_VERSION);
    out.extend_from_slice(&base_offset.to_le_bytes());
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    let max_timestamp = records
        .iter()
        .map(|r| r.timestamp.unwrap_or(append_time_ms))
        .max()
        .unwrap_or(append_time_ms);
    out.extend_from_slice(&max_timestamp.to_le_bytes());
    for record in records {
        encode_record(record, record.timestamp.unwrap_or(append_time_ms), &mut out);
    }
    let length = (out.len() - LENGTH_FIELD) as u32;
    out[0..4].copy_from_slice(&length.to_le_bytes());
    let crc = crc32c::crc32c(&out[8..]);
    out[4..8].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Why `record` cannot be stored in the layout above (its header count and name lengths are
/// `u16`s), or `None` if it can.
pub fn unstorable(record: &Record) -> Option<String> {
    if record.headers.len() > usize::from(u16::MAX) {
        return Some(format!(
            "has {} headers; at most {} fit",
            record.headers.len(),
            u16::MAX
        ));
    }
    record
        .headers
        .iter()
        .find(|h| h.name.len() > usize::from(u16::MAX))
        .map(|h| {
            format!(
                "has a header name of {} bytes; at most {} fit",
                h.name.len(),
                u16::MAX
            )
        })
}

fn encoded_record_len(record: &Record) -> usize {
    let headers: usize = record
        .headers
        .iter()
        .map(|h| 6 + h.name.len() + h.value.len())
        .sum();
    4 + 8 + 4 + record.key.as_ref().map_or(0, Vec::len) + 4 + record.value.len() + 2 + headers
}

fn encode_record(record: &Record, timestamp: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(&((encoded_record_len(record) - 4) as u32).to_le_bytes());
    out.extend_from_slice(&timestamp.to_le_bytes());
    match &record.key {
        Some(key) => {
            out.extend_from_slice(&(key.len() as i32).to_le_bytes());
            out.extend_from_slice(key);
        }
        None => out.extend_from_slice(&(-1i32).to_le_bytes()),
    }
    out.extend_from_slice(&(record.value.len() as u32).to_le_bytes());
    out.extend_from_slice(&record.value);
    out.extend_from_slice(&(record.headers.len() as u16).to_le_bytes());
    for header in &record.headers {
        out.extend_from_slice(&(header.name.len() as u16).to_le_bytes());
        out.extend_from_slice(header.name.as_bytes());
        out.extend_from_slice(&(header.value.len() as u32).to_le_bytes());
        out.extend_from_slice(&header.value);
    }
}

/// Reads the fixed part of a batch from its first [`BATCH_HEADER_LEN`] bytes (no CRC check).
pub fn parse_header(bytes: &[u8]) -> Result<BatchHeader, BatchDefect> {
    if bytes.len() < BATCH_HEADER_LEN {
        return Err(BatchDefect::Truncated {
            needed: BATCH_HEADER_LEN,
            available: bytes.len(),
        });
    }
    let length = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes"));
    let size = length as usize + LENGTH_FIELD;
    if !(BATCH_HEADER_LEN..=MAX_BATCH_BYTES).contains(&size) {
        return Err(BatchDefect::ImplausibleLength(length));
    }
    if bytes[8] != BATCH_VERSION {
        return Err(BatchDefect::UnknownVersion(bytes[8]));
    }
    let record_count = u32::from_le_bytes(bytes[17..21].try_into().expect("4 bytes"));
    if record_count == 0 {
        return Err(BatchDefect::NoRecords);
    }
    Ok(BatchHeader {
        size,
        crc: u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes")),
        base_offset: u64::from_le_bytes(bytes[9..17].try_into().expect("8 bytes")),
        record_count,
        max_timestamp: i64::from_le_bytes(bytes[21..29].try_into().expect("8 bytes")),
    })
}

/// Checks that `bytes` start with one complete batch whose CRC matches, and returns its header.
pub fn verify(bytes: &[u8]) -> Result<BatchHeader, BatchDefect> {
    let header = parse_header(bytes)?;
    if bytes.len() < header.size {
        return Err(BatchDefect::Truncated {
            needed: header.size,
            available: bytes.len(),
        });
    }
    let computed = crc32c::crc32c(&bytes[8..header.size]);
    if computed != header.crc {
        return Err(BatchDefect::CrcMismatch {
            stored: header.crc,
            computed,
        });
    }
    Ok(header)
}

/// Decodes a verified batch's records.
pub fn decode_records(bytes: &[u8]) -> Result<Vec<StoredRecord>, BatchDefect> {
    let mut records = Vec::new();
    decode_into(bytes, &mut records)?;
    Ok(records)
}

/// Decodes whole batches laid back to back (as [`super::Log::fetch_raw`] returns them), checking
/// every CRC; records come out in order. Any defect, a torn last batch included, is an error.
pub fn decode_batches(mut bytes: &[u8]) -> Result<Vec<StoredRecord>, BatchDefect> {
    let mut records = Vec::new();
    while !bytes.is_empty() {
        let size = decode_into(bytes, &mut records)?;
        bytes = &bytes[size..];
    }
    Ok(records)
}

/// The offset after the last whole batch of `bytes` (batches back to back), read from the batch
/// headers alone: no CRC is checked, so only a hint until the batches are decoded. `None` when
/// `bytes` hold no whole batch; reading stops at the first header that does not parse.
pub fn next_offset_after(mut bytes: &[u8]) -> Option<u64> {
    let mut next = None;
    while let Ok(header) = parse_header(bytes) {
        if header.size > bytes.len() {
            break;
        }
        next = Some(header.next_offset());
        bytes = &bytes[header.size..];
    }
    next
}

/// A record read in place: key and value borrowed from the batch bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView<'a> {
    pub offset: u64,
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
    pub headers: Vec<Header>,
}

/// As [`decode_batches`], handing each record to `each` as it is read, its key and value
/// borrowed from `bytes` (no copy). A batch's records are handed over only once its CRC has
/// matched; on an error, records of the batches before it have been handed over already.
pub fn visit_batches<'a>(
    mut bytes: &'a [u8],
    mut each: impl FnMut(RecordView<'a>),
) -> Result<(), BatchDefect> {
    while !bytes.is_empty() {
        let size = visit_batch(bytes, &mut each)?;
        bytes = &bytes[size..];
    }
    Ok(())
}

/// Verifies the batch at the start of `bytes`, appends its records to `records` and returns
/// the batch's size.
fn decode_into(bytes: &[u8], records: &mut Vec<StoredRecord>) -> Result<usize, BatchDefect> {
    if let Ok(header) = parse_header(bytes) {
        // Bounded by what the bytes can hold, whatever the count field claims.
        records.reserve((header.record_count as usize).min(header.size / MIN_RECORD_LEN));
    }
    visit_batch(bytes, &mut |record: RecordView<'_>| {
        records.push(StoredRecord {
            offset: record.offset,
            timestamp: record.timestamp,
            key: record.key.map(<[u8]>::to_vec),
            value: record.value.to_vec(),
            headers: record.headers,
        });
    })
}

/// Verifies the batch at the start of `bytes`, hands its records to `each` and returns the
/// batch's size.
fn visit_batch<'a>(bytes: &'a [u8], each: &mut impl FnMut(RecordView<'a>)) -> Result<usize, BatchDefect> {
    let header = verify(bytes)?;
    let mut cursor = Cursor {
        bytes: &bytes[BATCH_HEADER_LEN..header.size],
    };
    for index in 0..u64::from(header.record_count) {
        let body_length = cursor.u32()? as usize;
        let mut body = Cursor {
            bytes: cursor.take(body_length)?,
        };
        let timestamp = body.i64()?;
        let key = match body.i32()? {
            -1 => None,
            length if length >= 0 => Some(body.take(length as usize)?),
            _ => return Err(BatchDefect::MalformedRecord("negative key length")),
        };
        let value_length = body.u32()? as usize;
        let value = body.take(value_length)?;
        let header_count = body.u16()?;
        let mut headers = Vec::with_capacity(header_count as usize);
        for _ in 0..header_count {
            let name_length = body.u16()? as usize;
            let name = std::str::from_utf8(body.take(name_length)?)
                .map_err(|_| BatchDefect::MalformedRecord("header name is not UTF-8"))?
                .to_owned();
            let value_length = body.u32()? as usize;
            headers.push(Header {
                name,
                value: body.take(value_length)?.to_vec(),
            });
        }
        if !body.bytes.is_empty() {
            return Err(BatchDefect::MalformedRecord("record body longer than its fields"));
        }
        each(RecordView {
            offset: header.base_offset + index,
            timestamp,
            key,
            value,
            headers,
        });
    }
    if !cursor.bytes.is_empty() {
        return Err(BatchDefect::MalformedRecord("bytes after the last record"));
    }
    Ok(header.size)
}

struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BatchDefect> {
        if self.bytes.len() < n {
            return Err(BatchDefect::MalformedRecord(
                "field runs past the end of the batch",
            ));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u16(&mut self) -> Result<u16, BatchDefect> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }

    fn u32(&mut self) -> Result<u32, BatchDefect> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn i32(&mut self) -> Result<i32, BatchDefect> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn i64(&mut self) -> Result<i64, BatchDefect> {
        Ok(i64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Record> {
        vec![
            Record::new("v0")
                .with_key("k0")
                .with_header("h", "x")
                .with_timestamp(5),
            Record::new(Vec::new()),
            Record::new("v2").with_timestamp(9),
        ]
    }

    #[test]
    fn the_offset_after_back_to_back_batches_comes_from_their_headers() {
        let mut bytes = encode(40, &sample(), 7);
        bytes.extend(encode(43, &sample()[..2], 7));
        assert_eq!(next_offset_after(&bytes), Some(45));
        assert_eq!(next_offset_after(&bytes[..bytes.len() - 1]), Some(43));
        assert_eq!(next_offset_after(&[]), None);
    }

    #[test]
    fn batch_round_trips_keys_values_headers_and_timestamps() {
        let bytes = encode(40, &sample(), 7);
        let header = verify(&bytes).unwrap();
        assert_eq!(
            (header.base_offset, header.record_count, header.max_timestamp),
            (40, 3, 9)
        );
        assert_eq!(header.size, bytes.len());
        let records = decode_records(&bytes).unwrap();
        assert_eq!(records.iter().map(|r| r.offset).collect::<Vec<_>>(), [40, 41, 42]);
        assert_eq!(records[0].key.as_deref(), Some(&b"k0"[..]));
        assert_eq!(
            records[0].headers,
            vec![Header {
                name: "h".into(),
                value: b"x".to_vec()
            }]
        );
        assert_eq!(records[1].key, None);
        assert_eq!(
            records[1].timestamp, 7,
            "a record without timestamp takes the append time"
        );
        assert_eq!(records[2].value, b"v2");
    }

    #[test]
    fn any_flipped_bit_after_the_length_is_caught() {
        let bytes = encode(0, &sample(), 7);
        for position in 4..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[position] ^= 0x10;
            assert!(
                verify(&damaged).is_err(),
                "flip at byte {position} went unnoticed"
            );
        }
    }

    #[test]
    fn batches_back_to_back_decode_in_order_and_any_damage_is_a_defect() {
        let mut bytes = encode(40, &sample(), 7);
        let first_len = bytes.len();
        bytes.extend(encode(43, &sample()[..1], 8));
        let offsets: Vec<u64> = decode_batches(&bytes).unwrap().iter().map(|r| r.offset).collect();
        assert_eq!(offsets, [40, 41, 42, 43]);
        assert_eq!(decode_batches(&[]).unwrap(), []);
        for cut in (1..bytes.len()).filter(|&cut| cut != first_len) {
            assert!(
                decode_batches(&bytes[..cut]).is_err(),
                "torn at {cut} went unnoticed"
            );
        }
        for position in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[position] ^= 0x01;
            assert!(
                decode_batches(&damaged).is_err(),
                "flip at byte {position} went unnoticed"
            );
        }
    }

    #[test]
    fn torn_and_zeroed_batches_are_defects_not_panics() {
        let bytes = encode(0, &sample(), 7);
        for cut in 0..bytes.len() {
            assert!(verify(&bytes[..cut]).is_err());
        }
        assert_eq!(verify(&[0u8; 64]), Err(BatchDefect::ImplausibleLength(0)));
    }
}
