//! Recovery, one test per crash or junk it must survive. Each writes a partition, damages its
//! files the way the crash would, reopens it, and checks both the report and every record.

use std::fs::{self, OpenOptions};
use std::path::Path;

use crate::log::LogError;
use crate::log::partition::{Partition, PartitionConfig};
use crate::log::record::Record;
use crate::log::recovery::RecoveryAction;
use crate::log::segment::SegmentPaths;
use crate::log::settings::FlushPolicy;

const CONFIG: PartitionConfig = PartitionConfig {
    segment_age: std::time::Duration::from_secs(7 * 24 * 3600),
    segment_bytes: 1 << 20,
    index_interval_bytes: 200,
    flush: FlushPolicy::Os,
};

/// Appends `batches` batches of three records ("b{i}-r{j}") and closes the partition.
fn write_batches(dir: &Path, batches: u64) {
    let (partition, _) = Partition::open(dir, "t", 0, CONFIG).unwrap();
    for i in 0..batches {
        let records: Vec<Record> = (0..3)
            .map(|j| Record::new(format!("b{i}-r{j}")).with_timestamp(1000 + i as i64))
            .collect();
        partition.append(&records, 0).unwrap();
    }
}

fn reopen(dir: &Path) -> (Partition, Vec<RecoveryAction>) {
    let (partition, report) = Partition::open(dir, "t", 0, CONFIG).unwrap();
    (partition, report.actions)
}

/// Every record, read with small budgets to exercise the indexes, checked against what was written.
fn assert_holds_batches(partition: &Partition, batches: u64) {
    assert_eq!(partition.high_watermark(), batches * 3);
    let mut offset = 0;
    while offset < batches * 3 {
        let fetch = partition.fetch(offset, 64).unwrap();
        for record in fetch.batches.iter().flat_map(|b| &b.records) {
            let expected = format!("b{}-r{}", record.offset / 3, record.offset % 3);
            assert_eq!(record.value, expected.as_bytes(), "offset {}", record.offset);
            offset = record.offset + 1;
        }
    }
}

fn first_segment(dir: &Path) -> SegmentPaths {
    SegmentPaths::new(dir, 0)
}

/// Byte positions where each batch of a segment starts, plus the end of the last one.
fn batch_boundaries(log: &Path) -> Vec<u64> {
    let bytes = fs::read(log).unwrap();
    let mut boundaries = vec![0u64];
    let mut position = 0usize;
    while position < bytes.len() {
        position += 12 + u32::from_be_bytes(bytes[position + 8..position + 12].try_into().unwrap()) as usize;
        boundaries.push(position as u64);
    }
    boundaries
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).unwrap().len()
}

fn set_len(path: &Path, len: u64) {
    OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

#[test]
fn torn_last_batch_is_truncated_and_every_whole_batch_kept() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 20);
    let log = first_segment(dir.path()).log;
    let full = file_len(&log);
    set_len(&log, full - 7);
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, RecoveryAction::TruncatedTail { dropped_bytes, .. } if *dropped_bytes > 0)),
        "{actions:?}"
    );
    assert_holds_batches(&partition, 19);
    assert_eq!(
        partition.append(&[Record::new("b19-r0")], 0).unwrap().base_offset,
        57
    );
}

#[test]
fn zeroed_tail_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 10);
    let log = first_segment(dir.path()).log;
    let full = file_len(&log);
    // A file system that extended the file but never wrote the data shows zeros.
    set_len(&log, full + 4096);
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions.iter().any(
            |a| matches!(a, RecoveryAction::TruncatedTail { kept_bytes, dropped_bytes: 4096, .. } if *kept_bytes == full)
        ),
        "{actions:?}"
    );
    assert_holds_batches(&partition, 10);
    assert_eq!(file_len(&log), full);
}

#[test]
fn overwritten_last_batch_with_a_bad_checksum_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 10);
    let log = first_segment(dir.path()).log;
    let mut bytes = fs::read(&log).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0xff;
    fs::write(&log, &bytes).unwrap();
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions.iter().any(
            |a| matches!(a, RecoveryAction::TruncatedTail { reason, .. } if reason.contains("checksum"))
        ),
        "{actions:?}"
    );
    assert_holds_batches(&partition, 9);
}

#[test]
fn corrupt_batch_followed_by_a_valid_one_is_refused_rather_than_dropped() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 10);
    let paths = first_segment(dir.path());
    // Damage a record inside the last-but-one batch and remove the index so recovery scans all.
    let mut bytes = fs::read(&paths.log).unwrap();
    let boundaries = batch_boundaries(&paths.log);
    let inside_ninth_batch = ((boundaries[8] + boundaries[9]) / 2) as usize;
    bytes[inside_ninth_batch] ^= 0xff;
    fs::write(&paths.log, &bytes).unwrap();
    fs::remove_file(&paths.offset_index).unwrap();
    let error = Partition::open(dir.path(), "t", 0, CONFIG).unwrap_err();
    assert!(
        matches!(&error, LogError::Corrupt { reason, .. } if reason.contains("valid batch follows")),
        "{error}"
    );
    assert_eq!(fs::read(&paths.log).unwrap(), bytes, "nothing was truncated");
}

#[test]
fn missing_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 30);
    let paths = first_segment(dir.path());
    let original = fs::read(&paths.offset_index).unwrap();
    fs::remove_file(&paths.offset_index).unwrap();
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, RecoveryAction::RebuiltIndex { index, reason } if *index == paths.offset_index && reason.contains("missing"))),
        "{actions:?}"
    );
    assert_eq!(
        fs::read(&paths.offset_index).unwrap(),
        original,
        "the rebuilt index equals the lost one"
    );
    assert_holds_batches(&partition, 30);
}

#[test]
fn missing_time_index_is_rebuilt_and_timestamp_lookup_works() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 30);
    let paths = first_segment(dir.path());
    let original = fs::read(&paths.time_index).unwrap();
    fs::remove_file(&paths.time_index).unwrap();
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, RecoveryAction::RebuiltIndex { .. })),
        "{actions:?}"
    );
    assert_eq!(fs::read(&paths.time_index).unwrap(), original);
    let offset = partition
        .list_offset(crate::log::OffsetSpec::Timestamp(1017))
        .unwrap();
    assert_eq!(offset, Some(17 * 3));
}

#[test]
fn garbage_index_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 30);
    let paths = first_segment(dir.path());
    fs::write(&paths.offset_index, b"not an index at all").unwrap();
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, RecoveryAction::RebuiltIndex { .. })),
        "{actions:?}"
    );
    assert_holds_batches(&partition, 30);
}

#[test]
fn index_longer_than_the_log_is_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 30);
    let paths = first_segment(dir.path());
    let entries = (file_len(&paths.offset_index) - 16) / 8;
    // The log lost its last third (as if the index had reached disk and the log had not).
    set_len(&paths.log, batch_boundaries(&paths.log)[20]);
    let (partition, actions) = reopen(dir.path());
    let trimmed = actions.iter().find_map(|a| match a {
        RecoveryAction::TrimmedIndex {
            index,
            dropped_entries,
        } if *index == paths.offset_index => Some(*dropped_entries),
        _ => None,
    });
    assert!(
        trimmed.is_some_and(|n| n > 0 && (n as u64) < entries),
        "{actions:?}"
    );
    assert_holds_batches(&partition, 20);
    assert_eq!(
        partition.append(&[Record::new("b20-r0")], 0).unwrap().base_offset,
        60
    );
}

#[test]
fn index_pointing_into_the_middle_of_a_batch_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 30);
    let paths = first_segment(dir.path());
    let mut bytes = fs::read(&paths.offset_index).unwrap();
    let last_position = bytes.len() - 4;
    let position = u32::from_le_bytes(bytes[last_position..].try_into().unwrap());
    bytes[last_position..].copy_from_slice(&(position + 5).to_le_bytes());
    fs::write(&paths.offset_index, &bytes).unwrap();
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions.iter().any(
            |a| matches!(a, RecoveryAction::RebuiltIndex { reason, .. } if reason.contains("no valid batch"))
        ),
        "{actions:?}"
    );
    assert_holds_batches(&partition, 30);
}

#[test]
fn stray_files_in_the_directory_are_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 5);
    for stray in ["notes.txt", "00000000000000000000.log.swap", "123.log"] {
        fs::write(dir.path().join(stray), b"junk").unwrap();
    }
    fs::create_dir(dir.path().join("subdir")).unwrap();
    // An index whose segment is gone is ours and useless: removed.
    let orphan = SegmentPaths::new(dir.path(), 500).offset_index;
    fs::write(&orphan, b"orphan").unwrap();
    let (partition, actions) = reopen(dir.path());
    let ignored = actions
        .iter()
        .filter(|a| matches!(a, RecoveryAction::IgnoredStrayFile { .. }))
        .count();
    assert_eq!(ignored, 4, "{actions:?}");
    assert!(actions.contains(&RecoveryAction::RemovedOrphanIndex {
        index: orphan.clone()
    }));
    assert!(!orphan.exists());
    assert!(dir.path().join("notes.txt").exists() && dir.path().join("subdir").exists());
    assert_holds_batches(&partition, 5);
}

#[test]
fn an_empty_segment_opens_clean() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 0);
    let (partition, actions) = reopen(dir.path());
    assert!(actions.is_empty(), "{actions:?}");
    assert_eq!(partition.high_watermark(), 0);
    assert!(partition.fetch(0, 100).unwrap().batches.is_empty());
}

#[test]
fn segment_cut_off_inside_its_first_batch_header_is_truncated_to_empty() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 1);
    let paths = first_segment(dir.path());
    set_len(&paths.log, 5);
    let (partition, actions) = reopen(dir.path());
    assert!(
        actions.iter().any(|a| matches!(
            a,
            RecoveryAction::TruncatedTail { segment, kept_bytes: 0, dropped_bytes: 5, .. } if *segment == paths.log
        )),
        "{actions:?}"
    );
    assert_eq!(partition.high_watermark(), 0);
    partition.append(&[Record::new("b0-r0")], 0).unwrap();
    assert_eq!(
        partition.fetch(0, 100).unwrap().batches[0].records[0].value,
        b"b0-r0"
    );
}

#[test]
fn empty_last_segment_after_a_roll_keeps_the_offsets_of_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 4);
    // A crash right after rolling: a new segment exists with nothing in it.
    crate::log::segment::Segment::create(dir.path(), 12, 200).unwrap();
    let (partition, actions) = reopen(dir.path());
    assert!(actions.is_empty(), "{actions:?}");
    assert_holds_batches(&partition, 4);
    assert_eq!(
        partition.append(&[Record::new("b4-r0")], 0).unwrap().base_offset,
        12
    );
}

#[test]
fn segment_of_log_format_1_is_refused_naming_the_file_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    write_batches(dir.path(), 0);
    let log = first_segment(dir.path()).log;
    // Format 1: a 16-byte header (magic, version 1, kind 1, base offset), then its own batches.
    let mut format_1 = b"RGLG\x01\x00\x01\x00".to_vec();
    format_1.extend_from_slice(&[0; 8]);
    format_1.extend_from_slice(&[29, 0, 0, 0, 1, 2, 3, 4]);
    fs::write(&log, &format_1).unwrap();
    let error = Partition::open(dir.path(), "t", 0, CONFIG).unwrap_err();
    assert!(
        matches!(
            error,
            LogError::UnsupportedFormat {
                found: 1,
                supported: 2,
                ..
            }
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains(&log.display().to_string()), "{message}");
    assert!(message.contains("move the data directory aside"), "{message}");
    assert_eq!(
        fs::read(&log).unwrap(),
        format_1,
        "the old file is left as it was"
    );
}

#[test]
fn torn_tail_of_many_segments_only_touches_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let small = PartitionConfig {
        segment_bytes: 400,
        ..CONFIG
    };
    {
        let (partition, _) = Partition::open(dir.path(), "t", 0, small).unwrap();
        for i in 0..40 {
            let records: Vec<Record> = (0..3).map(|j| Record::new(format!("b{i}-r{j}"))).collect();
            partition.append(&records, 0).unwrap();
        }
    }
    let last = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .max()
        .unwrap();
    set_len(&last, file_len(&last) - 1);
    let (partition, report) = Partition::open(dir.path(), "t", 0, small).unwrap();
    let last_base = last.file_stem().unwrap().to_string_lossy().into_owned();
    assert!(
        report
            .actions
            .iter()
            .any(|a| matches!(a, RecoveryAction::TruncatedTail { .. }))
    );
    assert!(
        report.actions.iter().all(|a| format!("{a}").contains(&last_base)),
        "only the last segment was touched: {:?}",
        report.actions
    );
    assert_holds_batches(&partition, 39);
}

/// A batch of `values` from idempotent producer 42 (epoch 0) starting at `sequence`.
fn producer_batch(sequence: i32, values: &[&str]) -> Vec<u8> {
    let records: Vec<Record> = values
        .iter()
        .map(|v| Record::new(v.to_string()).with_timestamp(5))
        .collect();
    let producer = crate::log::ProducerFields {
        producer_id: 42,
        producer_epoch: 0,
        base_sequence: sequence,
    };
    crate::log::encode_batch(0, &records, 0, producer, crate::log::Compression::None).unwrap()
}

#[test]
fn idempotent_producer_state_survives_a_reopen_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let small = PartitionConfig {
        segment_bytes: 300,
        ..CONFIG
    };
    let mut sent = Vec::new();
    {
        let (partition, _) = Partition::open(dir.path(), "t", 0, small).unwrap();
        for i in 0..10 {
            let batch = producer_batch(i * 2, &["a", "b"]);
            sent.push(batch.clone());
            let appended = partition.append_batch(batch).unwrap();
            assert_eq!(appended.base_offset, i as u64 * 2);
        }
        assert!(partition.describe().segment_count > 2);
    }
    let (partition, actions) = Partition::open(dir.path(), "t", 0, small).unwrap();
    assert!(actions.actions.is_empty(), "{:?}", actions.actions);
    // The last five batches resent after the restart: answered with their first offsets.
    for (i, batch) in sent.iter().enumerate().skip(5) {
        let again = partition.append_batch(batch.clone()).unwrap();
        assert_eq!(
            (again.base_offset, again.last_offset),
            (i as u64 * 2, i as u64 * 2 + 1)
        );
    }
    assert_eq!(partition.high_watermark(), 20, "no resend was stored");
    let gap = partition.append_batch(producer_batch(21, &["x"])).unwrap_err();
    assert!(
        matches!(
            gap,
            LogError::OutOfOrderSequence {
                producer_id: 42,
                expected: 20,
                found: 21,
                ..
            }
        ),
        "{gap}"
    );
    assert!(gap.to_string().contains("out of order sequence"), "{gap}");
    assert_eq!(
        partition
            .append_batch(producer_batch(20, &["c"]))
            .unwrap()
            .base_offset,
        20
    );
}
