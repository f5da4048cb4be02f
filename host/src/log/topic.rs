//! A topic: its settings, its partitions, and the routing of records to them.
//!
//! On disk a topic is `<root>/<topic>/topic.conf` (see [`super::settings`]) plus one directory
//! per partition, `<root>/<topic>/<partition>/`, and its id in `topic.id` (see
//! [`super::topic_id`]). `topic.conf` is written last on create and
//! removed first on delete, so a directory without it is never taken for a topic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::durable_fs::{sync_dir, write_atomically};
use super::error::LogError;
use super::partition::{AppendedBatch, Partition, PartitionConfig, PartitionDescription};
use super::partitioner::{StickyRotation, partition_for_key};
use super::record::Record;
use super::recovery::{PartitionRecovery, RecoveryAction};
use super::settings::{self, FlushPolicy, StoredTopic, TopicSettings};
use super::topic_id;
use crate::stats::Count;

pub const CONF_FILE: &str = "topic.conf";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDescription {
    pub name: String,
    pub replication_factor: u16,
    pub settings: TopicSettings,
    /// The flush policy in force (the topic's own or the host default).
    pub flush: FlushPolicy,
    pub partitions: Vec<PartitionDescription>,
}

#[derive(Debug)]
pub struct Topic {
    name: String,
    id: [u8; 16],
    dir: PathBuf,
    /// Changed by [`Topic::alter`], taken after `partitions` when both are.
    settings: RwLock<TopicSettings>,
    host_flush: FlushPolicy,
    partitions: RwLock<Vec<Arc<Partition>>>,
    sticky: StickyRotation,
    traffic: TopicTraffic,
}

/// Bytes and records through a topic since the host started: appended ones in, fetched
/// (served) ones out. Batch bytes as stored, so compressed batches count compressed.
#[derive(Debug, Default)]
pub struct TopicTraffic {
    pub bytes_in: Count,
    pub records_in: Count,
    pub bytes_out: Count,
    pub records_out: Count,
}

impl Topic {
    /// Creates the topic's directories and first segments, then its `topic.conf`.
    pub fn create(
        root: &Path,
        name: &str,
        partition_count: u32,
        settings: TopicSettings,
        host_flush: FlushPolicy,
    ) -> Result<Topic, LogError> {
        settings.validate(name)?;
        if partition_count == 0 {
            return Err(LogError::InvalidSettings {
                topic: name.to_owned(),
                reason: "a topic needs at least one partition".into(),
            });
        }
        let dir = root.join(name);
        std::fs::create_dir(&dir).map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => LogError::InvalidSettings {
                topic: name.to_owned(),
                reason: format!(
                    "{} already exists but holds no topic; move it away first",
                    dir.display()
                ),
            },
            _ => LogError::io("create topic directory", &dir)(error),
        })?;
        let id = topic_id::generate()?;
        let topic = Topic::assemble(name, id, dir, settings, host_flush);
        let created = (0..partition_count)
            .map(|id| topic.open_partition(id).map(|(partition, _)| Arc::new(partition)))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|partitions| {
                topic_id::store(&topic.dir, id)?;
                topic.write_conf(partition_count, &topic.settings())?;
                sync_dir(root)?;
                Ok(partitions)
            });
        match created {
            Ok(partitions) => {
                *topic.write_partitions() = partitions;
                Ok(topic)
            }
            Err(error) => {
                // Without topic.conf the directory is no topic; remove it so the name is free.
                let _ = std::fs::remove_dir_all(&topic.dir);
                Err(error)
            }
        }
    }

    /// Opens an existing topic directory, recovering each partition.
    pub fn open(
        dir: &Path,
        name: &str,
        host_flush: FlushPolicy,
    ) -> Result<(Topic, Vec<PartitionRecovery>), LogError> {
        let conf_path = dir.join(CONF_FILE);
        let text =
            std::fs::read_to_string(&conf_path).map_err(LogError::io("read topic settings", &conf_path))?;
        let stored = settings::decode_conf(&text, &conf_path)?;
        let id = topic_id::load_or_create(dir, name)?;
        let topic = Topic::assemble(name, id, dir.to_path_buf(), stored.settings, host_flush);
        let mut partitions = Vec::new();
        let mut reports = Vec::new();
        for id in 0..stored.partitions {
            let (partition, report) = topic.open_partition(id)?;
            partitions.push(Arc::new(partition));
            reports.push(report);
        }
        if let Some(first) = reports.first_mut() {
            first.actions.extend(topic.stray_entries(stored.partitions)?);
        }
        *topic.write_partitions() = partitions;
        Ok((topic, reports))
    }

    fn assemble(
        name: &str,
        id: [u8; 16],
        dir: PathBuf,
        settings: TopicSettings,
        host_flush: FlushPolicy,
    ) -> Topic {
        Topic {
            name: name.to_owned(),
            id,
            dir,
            settings: RwLock::new(settings),
            host_flush,
            partitions: RwLock::new(Vec::new()),
            sticky: StickyRotation::default(),
            traffic: TopicTraffic::default(),
        }
    }

    fn open_partition(&self, id: u32) -> Result<(Partition, PartitionRecovery), LogError> {
        Partition::open(
            &self.dir.join(id.to_string()),
            &self.name,
            id,
            self.partition_config(),
        )
    }

    /// How its partitions store data under the topic's current settings.
    fn partition_config(&self) -> PartitionConfig {
        let settings = self.read_settings();
        PartitionConfig {
            segment_bytes: settings.segment_bytes,
            segment_age: settings.segment_age,
            index_interval_bytes: settings.index_interval_bytes,
            flush: settings.flush.unwrap_or(self.host_flush),
        }
    }

    fn write_conf(&self, partitions: u32, settings: &TopicSettings) -> Result<(), LogError> {
        let stored = StoredTopic {
            partitions,
            settings: settings.clone(),
        };
        write_atomically(
            &self.dir.join(CONF_FILE),
            settings::encode_conf(&stored).as_bytes(),
        )
    }

    /// Entries of the topic directory that are neither `topic.conf` nor a live partition.
    fn stray_entries(&self, partition_count: u32) -> Result<Vec<RecoveryAction>, LogError> {
        let mut strays = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(LogError::io("list topic directory", &self.dir))? {
            let entry = entry.map_err(LogError::io("list topic directory", &self.dir))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let is_partition = name
                .parse::<u32>()
                .is_ok_and(|id| id < partition_count && id.to_string() == name);
            if name != CONF_FILE && name != topic_id::ID_FILE && !is_partition {
                tracing::warn!(topic = self.name, path = %entry.path().display(), "ignoring stray entry");
                strays.push(RecoveryAction::IgnoredStrayFile { path: entry.path() });
            }
        }
        Ok(strays)
    }

    pub fn id(&self) -> [u8; 16] {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn settings(&self) -> TopicSettings {
        self.read_settings().clone()
    }

    /// Replaces the topic's settings with what `change` makes of them: checked, stored in
    /// `topic.conf`, then in force for every partition's next append (as Kafka applies a
    /// topic's altered configs without a restart).
    pub fn alter(
        &self,
        change: impl FnOnce(&TopicSettings) -> Result<TopicSettings, LogError>,
    ) -> Result<(), LogError> {
        let partitions = self.write_partitions();
        let mut settings = self
            .settings
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let altered = change(&settings)?;
        altered.validate(&self.name)?;
        self.write_conf(partitions.len() as u32, &altered)?;
        *settings = altered;
        drop(settings);
        let config = self.partition_config();
        for partition in partitions.iter() {
            partition.set_config(config);
        }
        Ok(())
    }

    pub fn traffic(&self) -> &TopicTraffic {
        &self.traffic
    }

    pub fn partitions(&self) -> Vec<Arc<Partition>> {
        self.read_partitions().clone()
    }

    pub fn partition_count(&self) -> u32 {
        self.read_partitions().len() as u32
    }

    pub fn partition(&self, id: u32) -> Result<Arc<Partition>, LogError> {
        let partitions = self.read_partitions();
        partitions
            .get(id as usize)
            .cloned()
            .ok_or_else(|| LogError::UnknownPartition {
                topic: self.name.clone(),
                partition: id,
                partition_count: partitions.len() as u32,
            })
    }

    /// Grows the topic to `total` partitions; returns the previous count.
    pub fn add_partitions(&self, total: u32) -> Result<u32, LogError> {
        let mut partitions = self.write_partitions();
        let current = partitions.len() as u32;
        if total <= current {
            return Err(LogError::PartitionCountNotIncreased {
                topic: self.name.clone(),
                current,
                requested: total,
            });
        }
        let mut added = Vec::new();
        for id in current..total {
            added.push(Arc::new(self.open_partition(id)?.0));
        }
        self.write_conf(total, &self.settings())?;
        partitions.extend(added);
        Ok(current)
    }

    /// Splits `records` into one batch per partition (explicit, keyed, or the sticky partition
    /// for keyless records), keeping each partition's records in their given order.
    pub fn route(&self, records: Vec<Record>) -> Result<BTreeMap<u32, Vec<Record>>, LogError> {
        let partition_count = self.partition_count();
        let mut sticky = None;
        let mut batches: BTreeMap<u32, Vec<Record>> = BTreeMap::new();
        for record in records {
            let partition = match (record.partition, &record.key) {
                (Some(partition), _) => {
                    if partition >= partition_count {
                        return Err(LogError::UnknownPartition {
                            topic: self.name.clone(),
                            partition,
                            partition_count,
                        });
                    }
                    partition
                }
                (None, Some(key)) => partition_for_key(key, partition_count),
                (None, None) => *sticky.get_or_insert_with(|| self.sticky.next_partition(partition_count)),
            };
            batches.entry(partition).or_default().push(record);
        }
        Ok(batches)
    }

    /// Routes and appends `records`: one batch per partition they fall into.
    pub fn append(&self, records: Vec<Record>, append_time_ms: i64) -> Result<Vec<AppendedBatch>, LogError> {
        let mut appended = Vec::new();
        for (partition, batch) in self.route(records)? {
            appended.push(self.partition(partition)?.append(&batch, append_time_ms)?);
        }
        Ok(appended)
    }

    pub fn describe(&self) -> TopicDescription {
        let settings = self.settings();
        TopicDescription {
            name: self.name.clone(),
            replication_factor: settings.replication_factor,
            flush: settings.flush.unwrap_or(self.host_flush),
            settings,
            partitions: self.partitions().iter().map(|p| p.describe()).collect(),
        }
    }

    fn read_settings(&self) -> std::sync::RwLockReadGuard<'_, TopicSettings> {
        self.settings
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read_partitions(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<Partition>>> {
        self.partitions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_partitions(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<Partition>>> {
        self.partitions
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(dir: &Path, partitions: u32) -> Topic {
        Topic::create(dir, "t", partitions, TopicSettings::default(), FlushPolicy::Os).unwrap()
    }

    #[test]
    fn routing_prefers_explicit_then_key_then_sticky() {
        let dir = tempfile::tempdir().unwrap();
        let topic = topic(dir.path(), 10);
        let records = vec![
            Record::new("explicit").with_key("21").to_partition(7),
            Record::new("keyed").with_key("21"),
            Record::new("keyless-1"),
            Record::new("keyless-2"),
        ];
        let batches = topic.route(records).unwrap();
        assert_eq!(batches[&7][0].value, &b"explicit"[..]);
        // Kafka's UtilsTest: murmur2("21") = -973932308; toPositive % 10 = 0.
        assert_eq!(batches[&0][0].value, &b"keyed"[..]);
        let keyless: Vec<_> = batches.values().flatten().filter(|r| r.key.is_none()).collect();
        assert_eq!(keyless.len(), 2);
        let sticky = batches
            .iter()
            .find(|(_, b)| b.iter().any(|r| r.value == b"keyless-1"[..]))
            .unwrap()
            .0;
        assert!(
            batches[sticky].iter().any(|r| r.value == b"keyless-2"[..]),
            "keyless records share a batch"
        );
    }

    #[test]
    fn keyless_batches_spread_over_all_partitions() {
        let dir = tempfile::tempdir().unwrap();
        let topic = topic(dir.path(), 3);
        for _ in 0..6 {
            topic.append(vec![Record::new("x"), Record::new("y")], 0).unwrap();
        }
        let counts: Vec<u64> = topic.partitions().iter().map(|p| p.high_watermark()).collect();
        assert_eq!(counts, [4, 4, 4]);
    }

    #[test]
    fn explicit_partition_out_of_range_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let topic = topic(dir.path(), 2);
        let error = topic
            .append(vec![Record::new("ok"), Record::new("bad").to_partition(5)], 0)
            .unwrap_err();
        assert!(matches!(
            error,
            LogError::UnknownPartition {
                partition: 5,
                partition_count: 2,
                ..
            }
        ));
        assert!(topic.partitions().iter().all(|p| p.high_watermark() == 0));
    }

    #[test]
    fn added_partitions_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let topic = topic(dir.path(), 2);
        assert_eq!(topic.add_partitions(5).unwrap(), 2);
        assert!(matches!(
            topic.add_partitions(5),
            Err(LogError::PartitionCountNotIncreased { .. })
        ));
        topic
            .partition(4)
            .unwrap()
            .append(&[Record::new("x")], 0)
            .unwrap();
        drop(topic);
        let (reopened, reports) = Topic::open(&dir.path().join("t"), "t", FlushPolicy::Os).unwrap();
        assert_eq!(reopened.partition_count(), 5);
        assert_eq!(reports.len(), 5);
        assert_eq!(reopened.partition(4).unwrap().high_watermark(), 1);
    }
}
