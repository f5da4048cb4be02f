//! Kafka's record batch, version 2 (magic 2): the unit of append, checksum, fetch and storage,
//! byte for byte as Kafka's own segment files hold it (`DefaultRecordBatch.java`,
//! `DefaultRecord.java` in Kafka). A producer's batch is stored as it arrived with only its base
//! offset (bytes 0..8) rewritten; the CRC starts at the attributes, so it stays valid. Fetches
//! serve the stored bytes as they are.
//!
//! Batch header (61 bytes, big-endian):
//!
//! | offset | size | field                  | meaning                                                        |
//! |-------:|-----:|------------------------|----------------------------------------------------------------|
//! | 0      | 8    | base_offset            | i64, offset of the first record (set by the log on append)     |
//! | 8      | 4    | batch_length           | i32, bytes after this field (the batch is `12 + batch_length`) |
//! | 12     | 4    | partition_leader_epoch | i32, kept as the producer sent it (-1 from Regroup's client)   |
//! | 16     | 1    | magic                  | i8, `2`                                                        |
//! | 17     | 4    | crc                    | u32, CRC-32C (Castagnoli) of bytes `21 ..` end                 |
//! | 21     | 2    | attributes             | i16: bits 0-2 compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd), bit 3 timestamp type (1 = log append time), bit 4 transactional, bit 5 control |
//! | 23     | 4    | last_offset_delta      | i32, last record's offset minus base_offset                    |
//! | 27     | 8    | base_timestamp         | i64, the first record's timestamp (ms since the epoch)         |
//! | 35     | 8    | max_timestamp          | i64, the largest record timestamp                              |
//! | 43     | 8    | producer_id            | i64, -1 without idempotence                                    |
//! | 51     | 2    | producer_epoch         | i16, -1 without idempotence                                    |
//! | 53     | 4    | base_sequence          | i32, the first record's sequence number, -1 without idempotence|
//! | 57     | 4    | record_count           | i32, at least 1                                                |
//! | 61     | ...  | records                | `record_count` records, compressed as a whole when the attributes say so |
//!
//! Record (every integer a zigzag varint or varlong, see `varint.rs`):
//!
//! | field           | meaning                                                     |
//! |-----------------|-------------------------------------------------------------|
//! | length          | varint, bytes of the record after this field                |
//! | attributes      | i8, unused (0)                                              |
//! | timestamp_delta | varlong, timestamp minus base_timestamp                     |
//! | offset_delta    | varint, offset minus base_offset                            |
//! | key_length      | varint, -1 for no key                                       |
//! | key             |                                                             |
//! | value_length    | varint, -1 for a null value (read back as empty)            |
//! | value           |                                                             |
//! | header_count    | varint                                                      |
//! | headers         | each: varint key length, UTF-8 key, varint value length (-1 null, read back as empty), value |
//!
//! With the log-append-time bit set, every record's timestamp is the batch's max_timestamp.

use super::compression::{self, Compression};
use super::record::{Header, Record, StoredRecord};
use super::varint;

/// Bytes of the fixed header, up to and including the record count.
pub const BATCH_HEADER_LEN: usize = 61;
/// The only batch version this log reads and writes (Kafka's "magic").
pub const MAGIC: i8 = 2;
/// Largest batch the log accepts: keeps a torn length field from asking for gigabytes.
pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;
/// `producer_id` of a batch sent without idempotence.
pub const NO_PRODUCER_ID: i64 = -1;
/// `producer_epoch` of a batch sent without idempotence.
pub const NO_PRODUCER_EPOCH: i16 = -1;
/// `base_sequence` of a batch sent without idempotence.
pub const NO_SEQUENCE: i32 = -1;
/// The base offset and length fields, which the length does not count.
const LOG_OVERHEAD: usize = 12;
/// Where the CRC's coverage starts: the attributes.
const CRC_START: usize = 21;
const TIMESTAMP_TYPE_BIT: i16 = 1 << 3;
const TRANSACTIONAL_BIT: i16 = 1 << 4;
const CONTROL_BIT: i16 = 1 << 5;
/// The smallest record: length, attributes, timestamp and offset deltas, key and value lengths,
/// header count, one byte each.
const MIN_RECORD_LEN: usize = 7;

/// The fixed part of a batch, readable without the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// Bytes of the whole batch, base offset and length fields included.
    pub size: usize,
    pub base_offset: u64,
    pub partition_leader_epoch: i32,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub record_count: u32,
}

impl BatchHeader {
    pub fn last_offset(&self) -> u64 {
        self.base_offset + self.last_offset_delta as u64
    }

    pub fn next_offset(&self) -> u64 {
        self.last_offset() + 1
    }

    /// The codec the records are compressed with, if this build knows it.
    pub fn compression(&self) -> Result<Compression, BatchDefect> {
        Compression::from_attributes(self.attributes)
    }

    /// True when every record's timestamp is the time the log appended the batch.
    pub fn log_append_time(&self) -> bool {
        self.attributes & TIMESTAMP_TYPE_BIT != 0
    }

    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_BIT != 0
    }

    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL_BIT != 0
    }

    /// True when the batch came from an idempotent producer.
    pub fn has_producer_id(&self) -> bool {
        self.producer_id != NO_PRODUCER_ID
    }

    /// The sequence number of the batch's last record; sequences wrap from `i32::MAX` to 0, as
    /// Kafka's do.
    pub fn last_sequence(&self) -> i32 {
        sequence_after(self.base_sequence, self.last_offset_delta)
    }
}

/// `sequence` advanced by `delta`, wrapping from `i32::MAX` to 0.
pub fn sequence_after(sequence: i32, delta: i32) -> i32 {
    let next = i64::from(sequence) + i64::from(delta);
    (next % (i64::from(i32::MAX) + 1)) as i32
}

/// Why bytes are not a valid batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchDefect {
    #[error("batch needs {needed} bytes but only {available} remain")]
    Truncated { needed: usize, available: usize },
    #[error("batch length field {0} is implausible")]
    ImplausibleLength(i32),
    #[error("batch checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    CrcMismatch { stored: u32, computed: u32 },
    #[error("batch magic {0} is not 2 (Kafka's record batch v2 is the only batch format served)")]
    UnknownVersion(i8),
    #[error("batch holds no records")]
    NoRecords,
    #[error("malformed batch header: {0}")]
    MalformedHeader(String),
    #[error("malformed record: {0}")]
    MalformedRecord(&'static str),
    #[error("unsupported batch: {0}")]
    Unsupported(String),
    #[error("compressed records do not decompress: {0}")]
    Decompression(String),
}

/// The producer fields of a batch: who sent it and its place in that producer's sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerFields {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl ProducerFields {
    /// A batch from a producer without idempotence.
    pub const NONE: ProducerFields = ProducerFields {
        producer_id: NO_PRODUCER_ID,
        producer_epoch: NO_PRODUCER_EPOCH,
        base_sequence: NO_SEQUENCE,
    };
}

/// Encodes `records` as one uncompressed batch whose first offset is `base_offset`, without
/// producer fields. Records without a timestamp get `default_timestamp`.
pub fn encode(base_offset: u64, records: &[Record], default_timestamp: i64) -> Vec<u8> {
    encode_batch(
        base_offset,
        records,
        default_timestamp,
        ProducerFields::NONE,
        Compression::None,
    )
    .expect("an uncompressed batch always encodes")
}

/// Encodes `records` as one batch: the records (compressed with `compression` as one block),
/// `producer`'s fields, timestamps of type create time (records without one get
/// `default_timestamp`). Fails only when the compressor does.
pub fn encode_batch(
    base_offset: u64,
    records: &[Record],
    default_timestamp: i64,
    producer: ProducerFields,
    compression: Compression,
) -> Result<Vec<u8>, BatchDefect> {
    let mut builder = BatchBuilder::with_capacity(records.iter().map(encoded_record_len).sum());
    for record in records {
        builder.push(record, record.timestamp.unwrap_or(default_timestamp));
    }
    let mut bytes = builder.finish(producer, compression, default_timestamp)?;
    set_base_offset(&mut bytes, base_offset);
    Ok(bytes)
}

/// A batch being filled record by record, as a producer fills it: each record is encoded as it
/// comes (its deltas are relative to the first record), the header is written by
/// [`BatchBuilder::finish`].
#[derive(Debug, Clone)]
pub struct BatchBuilder {
    bytes: Vec<u8>,
    record_count: i32,
    base_timestamp: i64,
    max_timestamp: i64,
}

impl BatchBuilder {
    /// An empty batch with room for `record_bytes` of records.
    pub fn with_capacity(record_bytes: usize) -> Self {
        let mut bytes = Vec::with_capacity(BATCH_HEADER_LEN + record_bytes);
        bytes.resize(BATCH_HEADER_LEN, 0);
        BatchBuilder {
            bytes,
            record_count: 0,
            base_timestamp: 0,
            max_timestamp: i64::MIN,
        }
    }

    /// Adds `record` with `timestamp` (the record's own is not looked at).
    pub fn push(&mut self, record: &Record, timestamp: i64) {
        if self.record_count == 0 {
            self.base_timestamp = timestamp;
        }
        self.max_timestamp = self.max_timestamp.max(timestamp);
        encode_record(
            record,
            timestamp.wrapping_sub(self.base_timestamp),
            self.record_count,
            &mut self.bytes,
        );
        self.record_count += 1;
    }

    /// Bytes of the batch so far, uncompressed.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.record_count == 0
    }

    pub fn record_count(&self) -> u32 {
        self.record_count as u32
    }

    /// The whole batch, base offset 0: header filled in with `producer`'s fields, records
    /// compressed with `compression`, CRC computed. An empty batch's timestamps are
    /// `empty_timestamp` (the log refuses it anyway). Fails only when the compressor does.
    pub fn finish(
        self,
        producer: ProducerFields,
        compression: Compression,
        empty_timestamp: i64,
    ) -> Result<Vec<u8>, BatchDefect> {
        let BatchBuilder {
            mut bytes,
            record_count,
            base_timestamp,
            max_timestamp,
        } = self;
        let (base_timestamp, max_timestamp) = if record_count == 0 {
            (empty_timestamp, empty_timestamp)
        } else {
            (base_timestamp, max_timestamp)
        };
        if compression != Compression::None {
            let mut compressed = Vec::with_capacity(bytes.len() / 2 + BATCH_HEADER_LEN);
            compressed.extend_from_slice(&bytes[..BATCH_HEADER_LEN]);
            compression::compress(compression, &bytes[BATCH_HEADER_LEN..], &mut compressed)?;
            bytes = compressed;
        }
        let length = (bytes.len() - LOG_OVERHEAD) as i32;
        let mut header = Vec::with_capacity(BATCH_HEADER_LEN);
        header.extend_from_slice(&0i64.to_be_bytes());
        header.extend_from_slice(&length.to_be_bytes());
        header.extend_from_slice(&(-1i32).to_be_bytes());
        header.push(MAGIC as u8);
        header.extend_from_slice(&[0; 4]); // crc, below
        header.extend_from_slice(&compression.attributes().to_be_bytes());
        header.extend_from_slice(&(record_count - 1).to_be_bytes());
        header.extend_from_slice(&base_timestamp.to_be_bytes());
        header.extend_from_slice(&max_timestamp.to_be_bytes());
        header.extend_from_slice(&producer.producer_id.to_be_bytes());
        header.extend_from_slice(&producer.producer_epoch.to_be_bytes());
        header.extend_from_slice(&producer.base_sequence.to_be_bytes());
        header.extend_from_slice(&record_count.to_be_bytes());
        bytes[..BATCH_HEADER_LEN].copy_from_slice(&header);
        let crc = crc32c::crc32c(&bytes[CRC_START..]);
        bytes[17..21].copy_from_slice(&crc.to_be_bytes());
        Ok(bytes)
    }
}

fn record_body_len(record: &Record, timestamp_delta: i64, offset_delta: i32) -> usize {
    let key = record
        .key
        .as_ref()
        .map_or(varint::len(-1), |key| varint::len(key.len() as i64) + key.len());
    let headers: usize = record
        .headers
        .iter()
        .map(|h| {
            varint::len(h.name.len() as i64)
                + h.name.len()
                + varint::len(h.value.len() as i64)
                + h.value.len()
        })
        .sum();
    1 + varint::len(timestamp_delta)
        + varint::len(i64::from(offset_delta))
        + key
        + varint::len(record.value.len() as i64)
        + record.value.len()
        + varint::len(record.headers.len() as i64)
        + headers
}

/// An upper bound of the bytes `record` takes in a batch (its deltas at their longest).
pub fn encoded_record_len(record: &Record) -> usize {
    let body = record_body_len(record, i64::MAX, i32::MAX);
    varint::len(body as i64) + body
}

fn encode_record(record: &Record, timestamp_delta: i64, offset_delta: i32, out: &mut Vec<u8>) {
    varint::put(record_body_len(record, timestamp_delta, offset_delta) as i64, out);
    out.push(0); // attributes
    varint::put(timestamp_delta, out);
    varint::put(i64::from(offset_delta), out);
    match &record.key {
        Some(key) => {
            varint::put(key.len() as i64, out);
            out.extend_from_slice(key);
        }
        None => varint::put(-1, out),
    }
    varint::put(record.value.len() as i64, out);
    out.extend_from_slice(&record.value);
    varint::put(record.headers.len() as i64, out);
    for header in &record.headers {
        varint::put(header.name.len() as i64, out);
        out.extend_from_slice(header.name.as_bytes());
        varint::put(header.value.len() as i64, out);
        out.extend_from_slice(&header.value);
    }
}

/// Writes `base_offset` into the batch at the start of `bytes` (its first 8 bytes): the only
/// change the log makes to a producer's batch. The CRC does not cover it.
pub fn set_base_offset(bytes: &mut [u8], base_offset: u64) {
    bytes[0..8].copy_from_slice(&(base_offset as i64).to_be_bytes());
}

fn be_i16(bytes: &[u8], at: usize) -> i16 {
    i16::from_be_bytes(bytes[at..at + 2].try_into().expect("2 bytes"))
}

fn be_i32(bytes: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn be_i64(bytes: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// The size a batch starting at `bytes` claims, read from its length field alone (at least 12
/// bytes needed); `None` when the field is implausible.
pub fn claimed_size(bytes: &[u8]) -> Option<usize> {
    let length = be_i32(bytes.get(..LOG_OVERHEAD)?, 8);
    let size = usize::try_from(length).ok()? + LOG_OVERHEAD;
    (BATCH_HEADER_LEN..=MAX_BATCH_BYTES)
        .contains(&size)
        .then_some(size)
}

/// Reads the fixed part of a batch from its first [`BATCH_HEADER_LEN`] bytes (no CRC check).
pub fn parse_header(bytes: &[u8]) -> Result<BatchHeader, BatchDefect> {
    if bytes.len() < BATCH_HEADER_LEN {
        return Err(BatchDefect::Truncated {
            needed: BATCH_HEADER_LEN,
            available: bytes.len(),
        });
    }
    let size = claimed_size(bytes).ok_or(BatchDefect::ImplausibleLength(be_i32(bytes, 8)))?;
    let magic = bytes[16] as i8;
    if magic != MAGIC {
        return Err(BatchDefect::UnknownVersion(magic));
    }
    let base_offset = be_i64(bytes, 0);
    let last_offset_delta = be_i32(bytes, 23);
    let record_count = be_i32(bytes, 57);
    if record_count == 0 {
        return Err(BatchDefect::NoRecords);
    }
    if base_offset < 0 || last_offset_delta < 0 || record_count < 0 {
        return Err(BatchDefect::MalformedHeader(format!(
            "base offset {base_offset}, last offset delta {last_offset_delta} and record count \
             {record_count} must not be negative"
        )));
    }
    Ok(BatchHeader {
        size,
        base_offset: base_offset as u64,
        partition_leader_epoch: be_i32(bytes, 12),
        crc: u32::from_be_bytes(bytes[17..21].try_into().expect("4 bytes")),
        attributes: be_i16(bytes, 21),
        last_offset_delta,
        base_timestamp: be_i64(bytes, 27),
        max_timestamp: be_i64(bytes, 35),
        producer_id: be_i64(bytes, 43),
        producer_epoch: be_i16(bytes, 51),
        base_sequence: be_i32(bytes, 53),
        record_count: record_count as u32,
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
    let computed = crc32c::crc32c(&bytes[CRC_START..header.size]);
    if computed != header.crc {
        return Err(BatchDefect::CrcMismatch {
            stored: header.crc,
            computed,
        });
    }
    Ok(header)
}

/// Checks a producer's batch before it is appended: exactly one whole batch, CRC, a known
/// codec, no transaction or control markers (not supported), `last_offset_delta` one less than
/// the record count, a producer id's epoch and sequence set; and for an uncompressed batch that
/// its records parse, number `record_count`, carry offset deltas 0, 1, 2, ... and no timestamp
/// above `max_timestamp`. Compressed records are not decompressed: they are stored untouched.
pub fn validate_for_append(bytes: &[u8]) -> Result<BatchHeader, BatchDefect> {
    let header = verify(bytes)?;
    if header.size != bytes.len() {
        return Err(BatchDefect::MalformedHeader(format!(
            "{} bytes follow the batch of {} bytes; an append is exactly one batch",
            bytes.len() - header.size,
            header.size
        )));
    }
    let compression = header.compression()?;
    if header.is_transactional() || header.is_control() {
        return Err(BatchDefect::Unsupported(
            "transactional and control batches (transactions are not supported)".to_owned(),
        ));
    }
    if i64::from(header.last_offset_delta) + 1 != i64::from(header.record_count) {
        return Err(BatchDefect::MalformedHeader(format!(
            "last offset delta {} does not match the record count {}",
            header.last_offset_delta, header.record_count
        )));
    }
    // Without a producer id a batch is not idempotent and its epoch and sequence mean nothing:
    // Kafka stores such batches as they come (aiokafka's plain producer sends sequence 0).
    if header.has_producer_id()
        && (header.producer_id < 0 || header.producer_epoch < 0 || header.base_sequence < 0)
    {
        return Err(BatchDefect::MalformedHeader(format!(
            "producer id {} needs an epoch and base sequence that are not negative (epoch {}, base sequence {})",
            header.producer_id, header.producer_epoch, header.base_sequence
        )));
    }
    if compression == Compression::None {
        // Offset deltas increase within 0..=last_offset_delta, one per record: 0, 1, 2, ...
        let mut max_timestamp = i64::MIN;
        walk_records(&header, &bytes[BATCH_HEADER_LEN..header.size], |record| {
            max_timestamp = max_timestamp.max(record.timestamp);
        })?;
        if !header.log_append_time() && max_timestamp > header.max_timestamp {
            return Err(BatchDefect::MalformedHeader(format!(
                "a record has timestamp {max_timestamp}, above the batch's max timestamp {}",
                header.max_timestamp
            )));
        }
    }
    Ok(header)
}

/// Decodes a verified batch's records.
pub fn decode_records(bytes: &[u8]) -> Result<Vec<StoredRecord>, BatchDefect> {
    let mut records = Vec::new();
    decode_into(bytes, &mut records)?;
    Ok(records)
}

/// Decodes whole batches laid back to back (as the log's `Log::fetch_raw` returns them), checking
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

/// A record read in place: key and value borrowed from the batch bytes (or, for a compressed
/// batch, from its decompressed records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView<'a> {
    pub offset: u64,
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
    pub headers: Vec<Header>,
}

/// As [`decode_batches`], handing each record to `each` as it is read. Records of an
/// uncompressed batch borrow their key and value from `bytes` (no copy); those of a compressed
/// batch borrow from a buffer that lives only for the call, so `each` must copy what it keeps
/// ([`RecordView`]'s lifetime says which: use [`visit_batches_in_place`] to tell them apart). A
/// batch's records are handed over only once its CRC has matched and it has decoded whole; on an
/// error, records of the batches before it have been handed over already.
pub fn visit_batches(bytes: &[u8], mut each: impl FnMut(RecordView<'_>)) -> Result<(), BatchDefect> {
    visit_batches_in_place(bytes, |record, _| each(record))
}

/// As [`visit_batches`], also telling `each` whether the record's key and value lie in `bytes`
/// (`true`) or in a decompressed copy.
pub fn visit_batches_in_place(
    mut bytes: &[u8],
    mut each: impl FnMut(RecordView<'_>, bool),
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
        // Bounded by what the bytes present can hold, whatever the count and length fields claim
        // (a torn batch's length claims bytes that are not there).
        let present = header.size.min(bytes.len());
        records.reserve((header.record_count as usize).min(present / MIN_RECORD_LEN));
    }
    visit_batch(bytes, &mut |record: RecordView<'_>, _| {
        records.push(StoredRecord {
            offset: record.offset,
            timestamp: record.timestamp,
            key: record.key.map(<[u8]>::to_vec),
            value: record.value.to_vec(),
            headers: record.headers,
        });
    })
}

/// One record as the batch holds it.
struct RawRecord<'a> {
    offset_delta: i32,
    timestamp: i64,
    key: Option<&'a [u8]>,
    value: &'a [u8],
    headers: Vec<Header>,
}

/// Verifies the batch at the start of `bytes`, decodes it whole (decompressing if need be),
/// then hands its records to `each`; returns the batch's size.
fn visit_batch(bytes: &[u8], each: &mut impl FnMut(RecordView<'_>, bool)) -> Result<usize, BatchDefect> {
    let header = verify(bytes)?;
    let compression = header.compression()?;
    let stored = &bytes[BATCH_HEADER_LEN..header.size];
    let decompressed;
    let records = if compression == Compression::None {
        stored
    } else {
        decompressed = compression::decompress(compression, stored, MAX_BATCH_BYTES)?;
        decompressed.as_slice()
    };
    // Decoded whole first, so a batch is handed over all or nothing.
    let mut parsed = Vec::with_capacity((header.record_count as usize).min(records.len() / MIN_RECORD_LEN));
    walk_records(&header, records, |record| parsed.push(record))?;
    for record in parsed {
        each(
            RecordView {
                offset: header.base_offset + record.offset_delta as u64,
                timestamp: record.timestamp,
                key: record.key,
                value: record.value,
                headers: record.headers,
            },
            compression == Compression::None,
        );
    }
    Ok(header.size)
}

/// Parses `header.record_count` records from `body` (the batch's records, decompressed),
/// handing each to `each`; the records must fill `body` exactly and their offset
/// deltas must stay within the batch.
fn walk_records<'a>(
    header: &BatchHeader,
    body: &'a [u8],
    mut each: impl FnMut(RawRecord<'a>),
) -> Result<(), BatchDefect> {
    let mut cursor = Cursor { bytes: body };
    let mut last_delta = -1i64;
    for _ in 0..header.record_count {
        let length = cursor.varint()?;
        let length =
            usize::try_from(length).map_err(|_| BatchDefect::MalformedRecord("negative record length"))?;
        let mut record = Cursor {
            bytes: cursor.take(length)?,
        };
        record.take(1)?; // attributes, unused
        let timestamp_delta = record.varlong()?;
        let offset_delta = record.varint()?;
        if i64::from(offset_delta) <= last_delta || offset_delta > header.last_offset_delta {
            return Err(BatchDefect::MalformedRecord(
                "offset deltas must increase and stay within the batch",
            ));
        }
        last_delta = i64::from(offset_delta);
        let key = record.optional_bytes("negative key length")?;
        let value = record
            .optional_bytes("negative value length")?
            .unwrap_or_default();
        let header_count = record.varint()?;
        if header_count < 0 {
            return Err(BatchDefect::MalformedRecord("negative header count"));
        }
        let mut headers = Vec::with_capacity((header_count as usize).min(record.bytes.len() / 2));
        for _ in 0..header_count {
            let name_length = usize::try_from(record.varint()?)
                .map_err(|_| BatchDefect::MalformedRecord("negative header key length"))?;
            let name = std::str::from_utf8(record.take(name_length)?)
                .map_err(|_| BatchDefect::MalformedRecord("header key is not UTF-8"))?
                .to_owned();
            let value = record
                .optional_bytes("negative header value length")?
                .unwrap_or_default()
                .to_vec();
            headers.push(Header { name, value });
        }
        if !record.bytes.is_empty() {
            return Err(BatchDefect::MalformedRecord("record longer than its fields"));
        }
        let timestamp = if header.log_append_time() {
            header.max_timestamp
        } else {
            header.base_timestamp.wrapping_add(timestamp_delta)
        };
        each(RawRecord {
            offset_delta,
            timestamp,
            key,
            value,
            headers,
        });
    }
    if !cursor.bytes.is_empty() {
        return Err(BatchDefect::MalformedRecord("bytes after the last record"));
    }
    Ok(())
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

    fn varint(&mut self) -> Result<i32, BatchDefect> {
        varint::read_varint(&mut self.bytes).ok_or(BatchDefect::MalformedRecord("bad varint"))
    }

    fn varlong(&mut self) -> Result<i64, BatchDefect> {
        varint::read_varlong(&mut self.bytes).ok_or(BatchDefect::MalformedRecord("bad varlong"))
    }

    /// A varint length, then that many bytes; -1 is `None`, below that `negative`.
    fn optional_bytes(&mut self, negative: &'static str) -> Result<Option<&'a [u8]>, BatchDefect> {
        match self.varint()? {
            -1 => Ok(None),
            length if length >= 0 => Ok(Some(self.take(length as usize)?)),
            _ => Err(BatchDefect::MalformedRecord(negative)),
        }
    }
}

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;
