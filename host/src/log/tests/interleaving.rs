//! Property: any interleaving of appends, reads and reopenings returns exactly what was
//! appended, in order, with offsets in step with a simple in-memory model.

use std::path::Path;

use proptest::prelude::*;

use crate::log::partition::{Partition, PartitionConfig};
use crate::log::record::{Record, StoredRecord};
use crate::log::settings::FlushPolicy;

const PARTITIONS: usize = 2;
const CONFIG: PartitionConfig = PartitionConfig {
    segment_age: std::time::Duration::from_secs(7 * 24 * 3600),
    segment_bytes: 300,
    index_interval_bytes: 64,
    flush: FlushPolicy::Os,
};

#[derive(Debug, Clone)]
enum Op {
    Append {
        partition: usize,
        records: Vec<(Option<Vec<u8>>, Vec<u8>, i64)>,
    },
    Fetch {
        partition: usize,
        offset_seed: usize,
        max_bytes: u64,
    },
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    let record = (
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..8)),
        proptest::collection::vec(any::<u8>(), 0..80),
        0i64..1000,
    );
    prop_oneof![
        4 => (0..PARTITIONS, proptest::collection::vec(record, 1..6))
            .prop_map(|(partition, records)| Op::Append { partition, records }),
        4 => (0..PARTITIONS, any::<usize>(), 1u64..600)
            .prop_map(|(partition, offset_seed, max_bytes)| Op::Fetch { partition, offset_seed, max_bytes }),
        1 => Just(Op::Reopen),
    ]
}

fn open_all(root: &Path) -> Vec<Partition> {
    (0..PARTITIONS)
        .map(|id| {
            let (partition, report) =
                Partition::open(&root.join(id.to_string()), "t", id as u32, CONFIG).unwrap();
            assert!(
                report.actions.is_empty(),
                "a clean reopen repairs nothing: {:?}",
                report.actions
            );
            partition
        })
        .collect()
}

fn to_record((key, value, timestamp): &(Option<Vec<u8>>, Vec<u8>, i64)) -> Record {
    Record {
        key: key.clone().map(Into::into),
        value: value.clone().into(),
        timestamp: Some(*timestamp),
        ..Record::default()
    }
}

fn same(stored: &StoredRecord, offset: u64, record: &Record) -> bool {
    stored.offset == offset
        && stored.key.as_deref() == record.key.as_deref()
        && stored.value == record.value
        && Some(stored.timestamp) == record.timestamp
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_of_appends_and_reads_returns_what_was_appended(ops in proptest::collection::vec(op(), 1..60)) {
        let dir = tempfile::tempdir().unwrap();
        let mut partitions = open_all(dir.path());
        let mut model: Vec<Vec<Record>> = vec![Vec::new(); PARTITIONS];
        for op in ops {
            match op {
                Op::Append { partition, records } => {
                    let records: Vec<Record> = records.iter().map(to_record).collect();
                    let appended = partitions[partition].append(&records, 0).unwrap();
                    prop_assert_eq!(appended.base_offset, model[partition].len() as u64);
                    model[partition].extend(records);
                }
                Op::Fetch { partition, offset_seed, max_bytes } => {
                    let expected = &model[partition];
                    let offset = (offset_seed % (expected.len() + 1)) as u64;
                    let fetch = partitions[partition].fetch(offset, max_bytes).unwrap();
                    prop_assert_eq!(fetch.high_watermark, expected.len() as u64);
                    let records: Vec<&StoredRecord> =
                        fetch.batches.iter().flat_map(|b| &b.records).filter(|r| r.offset >= offset).collect();
                    prop_assert_eq!(records.is_empty(), offset == expected.len() as u64);
                    for (i, stored) in records.iter().enumerate() {
                        let at = offset + i as u64;
                        prop_assert!(same(stored, at, &expected[at as usize]), "offset {} differs", at);
                    }
                    if fetch.batches.len() > 1 {
                        let total: usize = fetch.batches.iter().map(|b| b.size).sum();
                        prop_assert!(total as u64 <= max_bytes, "{} bytes over a budget of {}", total, max_bytes);
                    }
                }
                Op::Reopen => {
                    drop(partitions);
                    partitions = open_all(dir.path());
                }
            }
        }
        for (partition, expected) in partitions.iter().zip(&model) {
            let mut offset = 0;
            while offset < expected.len() as u64 {
                let fetch = partition.fetch(offset, 1).unwrap();
                prop_assert_eq!(fetch.batches.len(), 1);
                for stored in &fetch.batches[0].records {
                    prop_assert!(same(stored, offset, &expected[offset as usize]));
                    offset += 1;
                }
            }
        }
    }
}
