//! Many appenders and readers on one partition at once: offsets stay dense, every batch is
//! appended exactly once, and no reader ever sees part of a batch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::log::partition::{Partition, PartitionConfig};
use crate::log::record::Record;
use crate::log::segment::FetchedBatch;
use crate::log::settings::FlushPolicy;

const WRITERS: u64 = 4;
const BATCHES_PER_WRITER: u64 = 150;

/// Values "w{writer}-b{batch}-r{record}/{count}": a reader can tell whether a batch is whole.
fn batch_records(writer: u64, batch: u64) -> Vec<Record> {
    let count = 1 + (writer + batch) % 5;
    (0..count)
        .map(|record| Record::new(format!("w{writer}-b{batch}-r{record}/{count}")))
        .collect()
}

fn assert_whole(batch: &FetchedBatch) {
    let first = String::from_utf8(batch.records[0].value.clone()).unwrap();
    let (prefix, count) = first.rsplit_once('/').unwrap();
    let stem = prefix.rsplit_once("-r").unwrap().0;
    assert_eq!(
        batch.records.len(),
        count.parse::<usize>().unwrap(),
        "partial batch {first}"
    );
    for (index, record) in batch.records.iter().enumerate() {
        assert_eq!(record.value, format!("{stem}-r{index}/{count}").into_bytes());
        assert_eq!(record.offset, batch.base_offset + index as u64);
    }
}

#[test]
fn concurrent_appenders_and_readers_see_only_whole_batches() {
    let dir = tempfile::tempdir().unwrap();
    let config = PartitionConfig {
        segment_age: std::time::Duration::from_secs(7 * 24 * 3600),
        segment_bytes: 8 * 1024,
        index_interval_bytes: 256,
        flush: FlushPolicy::Os,
    };
    let partition = Arc::new(Partition::open(dir.path(), "t", 0, config).unwrap().0);
    let writing = Arc::new(AtomicBool::new(true));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (partition, writing) = (Arc::clone(&partition), Arc::clone(&writing));
            std::thread::spawn(move || {
                let mut passes = 0;
                while writing.load(Ordering::Acquire) || passes == 0 {
                    let mut offset = 0;
                    loop {
                        let fetch = partition.fetch(offset, 700).unwrap();
                        let Some(last) = fetch.batches.last() else { break };
                        fetch.batches.iter().for_each(assert_whole);
                        assert_eq!(
                            fetch.batches[0]
                                .records
                                .iter()
                                .filter(|r| r.offset == offset)
                                .count(),
                            1
                        );
                        offset = last.records.last().unwrap().offset + 1;
                        assert!(offset <= fetch.high_watermark);
                    }
                    passes += 1;
                }
            })
        })
        .collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let partition = Arc::clone(&partition);
            std::thread::spawn(move || {
                for batch in 0..BATCHES_PER_WRITER {
                    let records = batch_records(writer, batch);
                    let appended = partition.append(&records, 0).unwrap();
                    assert_eq!(
                        appended.last_offset - appended.base_offset + 1,
                        records.len() as u64
                    );
                }
            })
        })
        .collect();
    writers.into_iter().for_each(|w| w.join().unwrap());
    writing.store(false, Ordering::Release);
    readers.into_iter().for_each(|r| r.join().unwrap());

    let mut seen = std::collections::HashSet::new();
    let mut offset = 0;
    while offset < partition.high_watermark() {
        for batch in partition.fetch(offset, u64::MAX).unwrap().batches {
            assert_whole(&batch);
            assert_eq!(batch.base_offset, offset, "offsets are dense");
            let stem = String::from_utf8(batch.records[0].value.clone()).unwrap();
            assert!(
                seen.insert(stem.split("-r").next().unwrap().to_owned()),
                "batch appended twice"
            );
            offset += batch.records.len() as u64;
        }
    }
    assert_eq!(seen.len() as u64, WRITERS * BATCHES_PER_WRITER);
}
