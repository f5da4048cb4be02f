//! The record batch decoder fuzzed: real batches (every codec, producer fields, headers, log
//! append time, batches back to back) made by the real encoder, mutated, and half of them given
//! a matching CRC again so the records and the codecs behind the checksum are reached too.
//! Decoding never panics, holds memory bounded by the input (and, for compressed records, by
//! the decompression limit), and every refusal is a [`BatchDefect`] saying what was wrong.

use proptest::prelude::*;
use regroup_fuzz_support::{config, mutated, peak_allocation};

use super::*;

const CODECS: [Compression; 5] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
    Compression::Zstd,
];

fn records() -> Vec<Record> {
    (0..12)
        .map(|i| {
            let record =
                Record::new(format!("value {i} {}", "x".repeat(i * 3))).with_timestamp(1_000 + i as i64);
            match i % 3 {
                0 => record.with_key(format!("key-{i}")).with_header("trace", "abc"),
                1 => record.with_header("a", "").with_header("b", vec![0xff; 4]),
                _ => record,
            }
        })
        .collect()
}

fn valid_batches() -> Vec<Vec<u8>> {
    let mut batches: Vec<Vec<u8>> = CODECS
        .iter()
        .map(|&codec| encode_batch(5, &records(), 0, ProducerFields::NONE, codec).unwrap())
        .collect();
    let producer = ProducerFields {
        producer_id: 7,
        producer_epoch: 1,
        base_sequence: i32::MAX - 3,
    };
    batches.push(encode_batch(0, &records()[..3], 0, producer, Compression::None).unwrap());
    let mut log_append_time = encode(9, &records()[..2], 0);
    log_append_time[22] |= TIMESTAMP_TYPE_BIT as u8;
    with_fresh_crc(&mut log_append_time);
    batches.push(log_append_time);
    let back_to_back = [encode(0, &records()[..4], 0), encode(4, &records()[4..], 0)].concat();
    batches.push(back_to_back);
    batches
}

/// Gives the batch at the front of `bytes` the CRC of its bytes as they now are.
fn with_fresh_crc(bytes: &mut [u8]) {
    let Some(size) = claimed_size(bytes) else {
        return;
    };
    if bytes.len() < size {
        return;
    }
    let crc = crc32c::crc32c(&bytes[CRC_START..size]);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
}

#[test]
fn valid_batches_decode_to_the_records_encoded() {
    for codec in CODECS {
        let bytes = encode_batch(5, &records(), 0, ProducerFields::NONE, codec).unwrap();
        assert_eq!(validate_for_append(&bytes).unwrap().record_count, 12);
        let decoded = decode_batches(&bytes).unwrap();
        let expected: Vec<_> = records()
            .into_iter()
            .enumerate()
            .map(|(i, record)| StoredRecord {
                offset: 5 + i as u64,
                timestamp: record.timestamp.unwrap(),
                key: record.key.map(|key| key.to_vec()),
                value: record.value.to_vec(),
                headers: record.headers,
            })
            .collect();
        assert_eq!(decoded, expected, "{codec:?}");
    }
    for bytes in valid_batches() {
        decode_batches(&bytes).unwrap();
    }
}

/// What decoding may hold per byte of input: a record of at least 7 bytes becomes a record
/// struct with its key, value and headers copied out.
const HELD_PER_INPUT_BYTE: usize = 64;

#[test]
fn mutated_batches_never_panic_stay_bounded_and_defects_say_what_was_wrong() {
    proptest!(config(), |(mut bytes in mutated(valid_batches()), fresh_crc in any::<bool>())| {
        if fresh_crc {
            with_fresh_crc(&mut bytes);
        }
        let len = bytes.len();
        let compressed = bytes.len() > 22 && bytes[22] & 0x07 != 0;
        let (results, peak) = peak_allocation(|| {
            (decode_batches(&bytes).map(drop), validate_for_append(&bytes).map(drop), next_offset_after(&bytes))
        });
        // Compressed records may inflate up to the limit (MAX_BATCH_BYTES), in a buffer that
        // grows by doubling.
        let allowed = 4096 + HELD_PER_INPUT_BYTE * len + if compressed { 2 * (MAX_BATCH_BYTES + 1) } else { 0 };
        prop_assert!(peak <= allowed, "{peak} bytes held decoding {len} bytes");
        for defect in [results.0.err(), results.1.err()].into_iter().flatten() {
            let message = defect.to_string();
            prop_assert!(
                message.contains("batch") || message.contains("record"),
                "the defect says what was wrong: {message}"
            );
        }
    });
}

/// `records` (already compressed with `codec`) framed as one batch with a matching CRC.
fn batch_around(codec: Compression, records: &[u8]) -> Vec<u8> {
    let mut bytes = encode_batch(0, &[Record::new("v")], 0, ProducerFields::NONE, codec).unwrap();
    bytes.truncate(BATCH_HEADER_LEN);
    bytes.extend_from_slice(records);
    let length = (bytes.len() - LOG_OVERHEAD) as i32;
    bytes[8..12].copy_from_slice(&length.to_be_bytes());
    with_fresh_crc(&mut bytes);
    bytes
}

/// A batch of a few kilobytes whose records inflate past the largest batch the log accepts is
/// refused at that limit, having held no more than about the limit, with every codec; a raw
/// snappy block that claims gigabytes in its header is refused before anything is inflated.
#[test]
fn a_decompression_bomb_is_refused_at_the_batch_size_limit_not_inflated_in_full() {
    let plain = vec![0u8; MAX_BATCH_BYTES + 1];
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut bomb = Vec::new();
        compression::compress(codec, &plain, &mut bomb).unwrap();
        let bytes = batch_around(codec, &bomb);
        assert!(
            bytes.len() < MAX_BATCH_BYTES / 10,
            "{codec:?}: {} bytes",
            bytes.len()
        );
        validate_for_append(&bytes).unwrap();
        let (decoded, peak) = peak_allocation(|| decode_batches(&bytes));
        let defect = decoded.unwrap_err().to_string();
        assert!(
            defect.contains(&format!("decompress to more than {MAX_BATCH_BYTES} bytes")),
            "{codec:?}: {defect}"
        );
        assert!(
            peak <= 2 * (MAX_BATCH_BYTES + 1) + (1 << 20),
            "{codec:?}: {peak} bytes held"
        );
    }
    // A raw snappy block's header: a varint of the uncompressed length, here 4 GiB - 1.
    let claim = batch_around(Compression::Snappy, &[0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    let (decoded, peak) = peak_allocation(|| decode_batches(&claim));
    let defect = decoded.unwrap_err().to_string();
    assert!(defect.contains("decompress to more than"), "{defect}");
    assert!(peak < 1 << 20, "{peak} bytes held");
}

/// A batch cut short whose length field claims the largest batch and whose count claims a
/// million records: refused as truncated, having reserved room only for what its bytes could
/// hold (the claim alone once reserved 9 million records for 91 bytes).
#[test]
fn a_torn_batch_reserves_records_by_the_bytes_present_not_by_its_claims() {
    let mut bytes = encode(0, &records(), 0);
    let claimed = (MAX_BATCH_BYTES - LOG_OVERHEAD) as i32;
    bytes[8..12].copy_from_slice(&claimed.to_be_bytes());
    bytes[57..61].copy_from_slice(&1_000_000i32.to_be_bytes());
    bytes.truncate(BATCH_HEADER_LEN + 30);
    let (decoded, peak) = peak_allocation(|| decode_batches(&bytes));
    assert!(
        matches!(
            decoded,
            Err(BatchDefect::Truncated {
                needed: MAX_BATCH_BYTES,
                available: 91
            })
        ),
        "{decoded:?}"
    );
    assert!(
        peak <= HELD_PER_INPUT_BYTE * bytes.len(),
        "{peak} bytes held for {} bytes",
        bytes.len()
    );
}
