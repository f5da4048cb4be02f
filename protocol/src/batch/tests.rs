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

/// Bytes of each batch the CRC does not cover (as in Kafka): the base offset, which the log
/// rewrites on append, and the partition leader epoch.
fn uncovered(position: usize) -> bool {
    position < 8 || (12..16).contains(&position)
}

#[test]
fn a_batch_is_byte_for_byte_what_an_independent_kafka_client_builds() {
    // Built by kafka-python 2.0.2's DefaultRecordBatchBuilder (magic 2, producer id 7, epoch 1,
    // base sequence 40) from the same three records; it writes leader epoch 0 where Kafka's
    // Java producer and Regroup write -1 (bytes 12..16, outside the CRC).
    let kafka_python = "00000000000000000000006600000000026e0490dd0000000000020000018bcfe568000000018bcfe5680500\
                        00000000000007000100000028000000031c000000046b3004763002026802780c000a020100003c00130\
                        40a6b65792d321276616c75652074776f0402610231046262043232";
    let expected: Vec<u8> = (0..kafka_python.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&kafka_python[i..i + 2], 16).unwrap())
        .collect();
    let records = vec![
        Record::new("v0")
            .with_key("k0")
            .with_header("h", "x")
            .with_timestamp(1_700_000_000_000),
        Record::new("").with_timestamp(1_700_000_000_005),
        Record::new("value two")
            .with_key("key-2")
            .with_header("a", "1")
            .with_header("bb", "22")
            .with_timestamp(1_699_999_999_990),
    ];
    let producer = ProducerFields {
        producer_id: 7,
        producer_epoch: 1,
        base_sequence: 40,
    };
    let ours = encode_batch(0, &records, 0, producer, Compression::None).unwrap();
    assert_eq!(ours.len(), expected.len());
    assert_eq!(ours[12..16], (-1i32).to_be_bytes());
    let differing: Vec<usize> = (0..ours.len()).filter(|&i| ours[i] != expected[i]).collect();
    assert!(
        differing.iter().all(|&i| (12..16).contains(&i)),
        "bytes differ at {differing:?}"
    );
    let header = validate_for_append(&expected).unwrap();
    assert_eq!(
        (
            header.producer_id,
            header.producer_epoch,
            header.base_sequence,
            header.last_sequence()
        ),
        (7, 1, 40, 42)
    );
    assert_eq!(header.max_timestamp, 1_700_000_000_005);
    let decoded = decode_records(&expected).unwrap();
    assert_eq!(decoded[2].timestamp, 1_699_999_999_990);
    assert_eq!(decoded[2].headers[1].value, b"22");
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
    assert_eq!(
        (header.producer_id, header.producer_epoch, header.base_sequence),
        (NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_SEQUENCE)
    );
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
        "a record without timestamp takes the default"
    );
    assert_eq!(records[2].value, b"v2");
}

#[test]
fn the_base_offset_is_rewritten_without_touching_the_crc() {
    let mut bytes = encode(0, &sample(), 7);
    let before = bytes[8..].to_vec();
    set_base_offset(&mut bytes, 1_000_000);
    assert_eq!(bytes[8..], before[..], "only bytes 0..8 change");
    let records = decode_records(&bytes).unwrap();
    assert_eq!(records[2].offset, 1_000_002);
}

#[test]
fn any_flipped_bit_the_crc_covers_or_in_the_length_and_magic_is_caught() {
    let bytes = encode(0, &sample(), 7);
    for position in (0..bytes.len()).filter(|&p| !uncovered(p)) {
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
    let in_batch = |position: usize| position.checked_sub(first_len).unwrap_or(position);
    for position in (0..bytes.len()).filter(|&p| !uncovered(in_batch(p))) {
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

/// `bytes` with the header field at `at` replaced and the CRC made right again, so only the
/// field's meaning is wrong.
fn with_field(mut bytes: Vec<u8>, at: usize, value: &[u8]) -> Vec<u8> {
    bytes[at..at + value.len()].copy_from_slice(value);
    let crc = crc32c::crc32c(&bytes[CRC_START..]);
    bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    bytes
}

#[test]
fn appends_refuse_batches_whose_header_or_records_disagree() {
    let good = encode(0, &sample(), 7);
    validate_for_append(&good).unwrap();
    let refusals = [
        (with_field(good.clone(), 57, &4i32.to_be_bytes()), "record count"),
        (
            with_field(good.clone(), 23, &1i32.to_be_bytes()),
            "last offset delta",
        ),
        (with_field(good.clone(), 35, &8i64.to_be_bytes()), "max timestamp"),
        (
            with_field(good.clone(), 21, &0x10i16.to_be_bytes()),
            "transactions",
        ),
        (
            with_field(good.clone(), 21, &0x20i16.to_be_bytes()),
            "transactions",
        ),
        (with_field(good.clone(), 21, &7i16.to_be_bytes()), "codec 7"),
        (
            with_field(good.clone(), 43, &5i64.to_be_bytes()),
            "needs an epoch and base sequence",
        ),
        ([good.clone(), vec![0]].concat(), "exactly one batch"),
    ];
    for (bad, want) in refusals {
        let defect = validate_for_append(&bad).unwrap_err().to_string();
        assert!(defect.contains(want), "{defect} (wanted {want})");
    }
    let mut other_magic = good.clone();
    other_magic[16] = 1;
    assert_eq!(
        validate_for_append(&other_magic),
        Err(BatchDefect::UnknownVersion(1))
    );
}

#[test]
fn a_batch_without_producer_id_is_stored_whatever_its_epoch_and_sequence() {
    let good = encode(0, &sample(), 7);
    let with_sequence = with_field(good, 53, &0i32.to_be_bytes());
    let header = validate_for_append(&with_sequence).unwrap();
    assert!(!header.has_producer_id());
    assert_eq!(header.base_sequence, 0);
}

#[test]
fn log_append_time_batches_give_every_record_the_max_timestamp() {
    let bytes = with_field(encode(0, &sample(), 7), 21, &0x08i16.to_be_bytes());
    let header = validate_for_append(&bytes).unwrap();
    assert!(header.log_append_time());
    let records = decode_records(&bytes).unwrap();
    assert!(records.iter().all(|r| r.timestamp == 9), "{records:?}");
}

#[test]
fn sequences_wrap_from_i32_max_to_zero() {
    assert_eq!(sequence_after(5, 2), 7);
    assert_eq!(sequence_after(i32::MAX, 1), 0);
    assert_eq!(sequence_after(i32::MAX - 1, 3), 1);
}

#[test]
fn compressed_batches_round_trip_with_every_codec_and_store_untouched() {
    let records: Vec<Record> = (0..500)
        .map(|i| {
            Record::new(format!("value {i} {}", "x".repeat(i % 40)))
                .with_key(format!("key-{}", i % 7))
                .with_header("n", i.to_string())
                .with_timestamp(1_000 + i as i64)
        })
        .collect();
    let plain = encode(0, &records, 0);
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let bytes = encode_batch(7, &records, 0, ProducerFields::NONE, codec).unwrap();
        assert!(bytes.len() < plain.len() / 2, "{codec:?}: {} bytes", bytes.len());
        let header = validate_for_append(&bytes).unwrap();
        assert_eq!(header.compression(), Ok(codec));
        assert_eq!((header.record_count, header.max_timestamp), (500, 1_499));
        let decoded = decode_records(&bytes).unwrap();
        assert_eq!(decoded.len(), 500, "{codec:?}");
        assert_eq!(decoded[499].offset, 7 + 499);
        assert_eq!(decoded[499].key.as_deref(), Some(&b"key-2"[..]));
        assert_eq!(
            decoded[123].value,
            format!("value 123 {}", "x".repeat(3)).into_bytes()
        );
        let mut in_place = Vec::new();
        visit_batches_in_place(&bytes, |_, in_bytes| in_place.push(in_bytes)).unwrap();
        assert!(
            in_place.iter().all(|&b| !b),
            "decompressed records are not in the batch bytes"
        );
    }
}

#[test]
fn an_append_checks_a_compressed_batch_s_header_and_crc_but_never_decompresses_it() {
    let records = vec![Record::new("v".repeat(100)); 20];
    let good = encode_batch(0, &records, 0, ProducerFields::NONE, Compression::Lz4).unwrap();
    // Garbage where the LZ4 frame was, with a CRC that matches it: the host stores it as it is
    // (it does not decompress), and the reader that does decompress refuses it.
    let mut garbage = good.clone();
    for byte in &mut garbage[BATCH_HEADER_LEN..] {
        *byte = 0x5a;
    }
    let crc = crc32c::crc32c(&garbage[CRC_START..]);
    garbage[17..21].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(validate_for_append(&garbage).unwrap().record_count, 20);
    let defect = decode_records(&garbage).unwrap_err();
    assert!(matches!(defect, BatchDefect::Decompression(_)), "{defect}");
    let mut flipped = good;
    flipped[BATCH_HEADER_LEN + 3] ^= 1;
    assert!(matches!(
        validate_for_append(&flipped),
        Err(BatchDefect::CrcMismatch { .. })
    ));
}

fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn batches_an_independent_kafka_client_compressed_decode_with_every_codec() {
    // Built by kafka-python 2.0.2 (DefaultRecordBatchBuilder, compression types 1-4; its snappy
    // is xerial-framed as Kafka's Java client writes it, its lz4 an LZ4 frame with the content
    // size): three records "k{i}" -> "value {i} abcabc...".
    let batches = [
        (
            Compression::Gzip,
            "0000000000000000000000710000000002375f7cfc0001000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff000000031f8b0800d156176b02ff8b61606060c936f0294bcc294d553050484c4ac683186218989858b20da1ca0d092b676161c936822a3722a41c00524bf4ec8d000000",
        ),
        (
            Compression::Snappy,
            "00000000000000000000007b0000000002e58f3a2c0002000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff0000000382534e41505059000000000100000001000000368d01485c000000046b304c76616c75652030206162636a03001c005c000202046b310d2f0031862f00100404046b320d2f00327e2f00",
        ),
        (
            Compression::Lz4,
            "00000000000000000000008300000000028de77f3a0003000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff0000000304224d1868408d000000000000008f3b000000ff045c000000046b304c76616c756520302061626303000883005c000202046b312f001f312f000f530404046b322f001f322f000850636162630000000000",
        ),
        (
            Compression::Zstd,
            "00000000000000000000006b00000000023c10dad70004000000020000018bcfe568000000018bcfe56802ffffffffffffffffffffffffffff0000000328b52ffd208d8d010024025c000000046b304c76616c7565203020616263005c000202046b31310404046b32320500000be02a704caa2c367476",
        ),
    ];
    for (codec, hex) in batches {
        let bytes = from_hex(hex);
        let header = validate_for_append(&bytes).unwrap();
        assert_eq!(header.compression(), Ok(codec));
        let records = decode_records(&bytes).unwrap();
        assert_eq!(records.len(), 3, "{codec:?}");
        for (i, record) in records.iter().enumerate() {
            assert_eq!(record.key, Some(format!("k{i}").into_bytes()), "{codec:?}");
            assert_eq!(
                record.value,
                format!("value {i} {}", "abc".repeat(10)).into_bytes(),
                "{codec:?}"
            );
            assert_eq!(record.timestamp, 1_700_000_000_000 + i as i64);
        }
    }
}
