//! The partitioned log: topics split into partitions, each an append-only run of segment files
//! holding Kafka's record batches (v2, byte for byte as Kafka's own segment files hold them),
//! recovered after a crash and trimmed by retention. A producer's batch is appended with only
//! its base offset rewritten and served back as stored. It knows nothing of sockets; [`Log`] is
//! the whole API.
//!
//! Files, one concern each:
//!
//! - `mod.rs` (this file): [`Log`], the host-level handle: topics, routing, threads.
//! - `topic.rs`: a topic's settings, partitions, routing; its directory and `topic.conf`.
//! - `topic_name.rs`: Kafka's topic-name rules.
//! - `settings.rs`: [`TopicSettings`], [`FlushPolicy`], [`LogOptions`], the `topic.conf` format.
//! - `partition.rs`: one partition: append lock, segment map, fetch, offsets, retention step.
//! - `segment.rs`: one segment's `.log` file and its indexes; positioned reads and writes.
//! - `index.rs`: the sparse offset and time indexes.
//! - `batch`, `varint`, `compression`, `record`, `partitioner`: Kafka's record batch v2, its
//!   varints and compression codecs, [`Record`] in and [`StoredRecord`] out, murmur2 key
//!   partitioning: shared with the client in `regroup-protocol`, re-exported here.
//! - `file_header.rs`: the versioned header at the start of every index file.
//! - `producers.rs`: idempotent producing: each partition's last batches per producer, rebuilt
//!   from the batch headers at open.
//! - `producer_ids.rs`: producer ids, never handed out twice (`<root>/@producer-ids`).
//! - `recovery.rs`: checking tails, truncating torn ones, rebuilding indexes, the report.
//! - `retention.rs`: deleting old segments by size and age, in a background thread.
//! - `flush.rs`: the background flusher for interval flush policies.
//! - `background.rs`: the stop signal shared by the background threads.
//! - `events.rs`: [`TopicEvent`]s for the group coordinator.
//! - `durable_fs.rs`: directory syncs and atomic file replacement.
//! - `error.rs`: [`LogError`].
//!
//! On disk: `<root>/<topic>/topic.conf` and `<root>/<topic>/<partition>/<base offset>.{log,index,timeindex}`;
//! every byte layout is tabulated on its type and in `docs/log-format.md`.

mod background;
mod buffer;
pub(crate) mod durable_fs;
mod error;
mod events;
mod file_header;
mod flush;
mod index;
mod partition;
mod producer_ids;
mod producers;
mod recovery;
mod retention;
mod segment;
mod settings;
mod topic;
mod topic_id;
mod topic_name;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;

// Kafka's batch codec and what it is made of live in `regroup-protocol`, which the client shares.
use regroup_protocol::{batch, compression, partitioner, record};

pub use batch::{BatchDefect, BatchHeader, ProducerFields, decode_batches, encode_batch, sequence_after};
pub use buffer::ReadBuffer;
pub use compression::Compression;
pub use error::LogError;
pub use events::TopicEvent;
pub use file_header::FORMAT_VERSION;
pub use partition::{
    AppendedBatch, Fetch, OffsetSpec, PartitionDescription, RawFetch, RawFetchBounds, TimeQuery,
};
pub use partitioner::partition_for_key;
pub use record::{Header, Record, StoredRecord, now_ms};
pub use recovery::{PartitionRecovery, RecoveryAction};
pub use retention::RetentionDeletion;
pub use segment::FetchedBatch;
pub use settings::{FlushPolicy, LogOptions, TOPIC_CONFIG_KEYS, TopicSettings};
pub use topic::{Topic, TopicDescription, TopicTraffic};
pub use topic_name::validate_topic_name;

use background::Shutdown;
use events::EventBus;

/// What opening the log found and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub partitions: Vec<PartitionRecovery>,
    /// Entries of the root directory that are not topics, left untouched.
    pub stray_paths: Vec<PathBuf>,
}

impl RecoveryReport {
    /// Every repair and notice, with the partition it concerns.
    pub fn actions(&self) -> impl Iterator<Item = (&str, u32, &RecoveryAction)> {
        self.partitions
            .iter()
            .flat_map(|p| p.actions.iter().map(move |a| (p.topic.as_str(), p.partition, a)))
    }

    /// True when nothing needed repair or notice.
    pub fn is_clean(&self) -> bool {
        self.stray_paths.is_empty() && self.actions().next().is_none()
    }
}

/// Topics held by a log, shared with its background threads.
#[derive(Debug, Default)]
struct Topics {
    by_name: RwLock<BTreeMap<String, Arc<Topic>>>,
}

impl Topics {
    fn all(&self) -> Vec<Arc<Topic>> {
        self.read().values().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Topic>>> {
        self.by_name
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<Topic>>> {
        self.by_name
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The partitioned log of one host, rooted at a directory.
///
/// Dropping it stops the background threads and syncs every partition.
#[derive(Debug)]
pub struct Log {
    root: PathBuf,
    producer_ids: producer_ids::ProducerIds,
    options: LogOptions,
    topics: Arc<Topics>,
    events: EventBus,
    shutdown: Arc<Shutdown>,
    threads: Vec<JoinHandle<()>>,
}

impl Log {
    /// Opens the log in `root` (created if missing), recovering every partition.
    pub fn open(root: impl Into<PathBuf>, options: LogOptions) -> Result<(Log, RecoveryReport), LogError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(LogError::io("create log directory", &root))?;
        let mut report = RecoveryReport::default();
        let topics = Arc::new(Topics::default());
        for entry in std::fs::read_dir(&root).map_err(LogError::io("list log directory", &root))? {
            let entry = entry.map_err(LogError::io("list log directory", &root))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == producer_ids::FILE_NAME {
                continue;
            }
            let is_topic =
                path.is_dir() && validate_topic_name(&name).is_ok() && path.join(topic::CONF_FILE).is_file();
            if !is_topic {
                tracing::warn!(path = %path.display(), "ignoring stray entry in the log directory");
                report.stray_paths.push(path);
                continue;
            }
            let (topic, partitions) = Topic::open(&path, &name, options.default_flush)?;
            report.partitions.extend(partitions);
            topics.write().insert(name, Arc::new(topic));
        }
        report
            .partitions
            .sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        let shutdown = Arc::new(Shutdown::default());
        let spawn_error = |error| LogError::io("start background thread", &root)(error);
        let threads = vec![
            flush::spawn_flusher(Self::topic_source(&topics), Arc::clone(&shutdown)).map_err(spawn_error)?,
            retention::spawn_retention(
                Self::topic_source(&topics),
                options.retention_check_interval,
                Arc::clone(&shutdown),
            )
            .map_err(spawn_error)?,
        ];
        let producer_ids = producer_ids::ProducerIds::open(&root)?;
        let log = Log {
            root,
            producer_ids,
            options,
            topics,
            events: EventBus::default(),
            shutdown,
            threads,
        };
        Ok((log, report))
    }

    fn topic_source(topics: &Arc<Topics>) -> impl Fn() -> Vec<Arc<Topic>> + Send + 'static {
        let topics = Arc::clone(topics);
        move || topics.all()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The flush policy of topics that do not set their own.
    pub fn default_flush(&self) -> FlushPolicy {
        self.options.default_flush
    }

    pub fn create_topic(
        &self,
        name: &str,
        partitions: u32,
        settings: TopicSettings,
    ) -> Result<TopicDescription, LogError> {
        validate_topic_name(name)?;
        let mut topics = self.topics.write();
        if topics.contains_key(name) {
            return Err(LogError::TopicExists {
                topic: name.to_owned(),
            });
        }
        self.check_partition_budget(&topics, name, partitions)?;
        let topic = Arc::new(Topic::create(
            &self.root,
            name,
            partitions,
            settings,
            self.options.default_flush,
        )?);
        topics.insert(name.to_owned(), Arc::clone(&topic));
        drop(topics);
        self.events.publish(TopicEvent::Created {
            topic: name.to_owned(),
            partitions,
        });
        Ok(topic.describe())
    }

    /// Refuses `adding` partitions to `topic` before anything is created when the log would
    /// then hold more than [`LogOptions::max_partitions`].
    fn check_partition_budget(
        &self,
        topics: &BTreeMap<String, Arc<Topic>>,
        topic: &str,
        adding: u32,
    ) -> Result<(), LogError> {
        let Some(limit) = self.options.max_partitions else {
            return Ok(());
        };
        let held: u64 = topics.values().map(|t| u64::from(t.partition_count())).sum();
        let after = held + u64::from(adding);
        if after <= u64::from(limit) {
            return Ok(());
        }
        Err(LogError::InvalidSettings {
            topic: topic.to_owned(),
            reason: format!(
                "{adding} more partitions would make {after} on this host, past its limit of \
                 {limit} (max_partitions: each partition keeps files open, and the process may \
                 open only so many)"
            ),
        })
    }

    pub fn list_topics(&self) -> Vec<String> {
        self.topics.read().keys().cloned().collect()
    }

    /// The topic's id: a random UUID given at creation, kept across restarts.
    pub fn topic_id(&self, name: &str) -> Result<[u8; 16], LogError> {
        Ok(self.topic(name)?.id())
    }

    pub fn describe_topic(&self, name: &str) -> Result<TopicDescription, LogError> {
        Ok(self.topic(name)?.describe())
    }

    /// Removes the topic and its files. Readers holding its partitions finish what they read.
    pub fn delete_topic(&self, name: &str) -> Result<(), LogError> {
        let topic = self
            .topics
            .write()
            .remove(name)
            .ok_or_else(|| LogError::UnknownTopic {
                topic: name.to_owned(),
            })?;
        let conf = topic.dir().join(topic::CONF_FILE);
        std::fs::remove_file(&conf).map_err(LogError::io("remove topic settings", &conf))?;
        durable_fs::sync_dir(topic.dir())?;
        std::fs::remove_dir_all(topic.dir()).map_err(LogError::io("remove topic directory", topic.dir()))?;
        self.events.publish(TopicEvent::Deleted {
            topic: name.to_owned(),
        });
        Ok(())
    }

    /// Replaces `name`'s settings with what `change` makes of its current ones (checked, stored,
    /// in force from each partition's next append).
    pub fn alter_topic(
        &self,
        name: &str,
        change: impl FnOnce(&TopicSettings) -> Result<TopicSettings, LogError>,
    ) -> Result<TopicDescription, LogError> {
        let topic = self.topic(name)?;
        topic.alter(change)?;
        Ok(topic.describe())
    }

    /// Grows `name` to `total` partitions and tells subscribers, so groups rebalance.
    pub fn add_partitions(&self, name: &str, total: u32) -> Result<TopicDescription, LogError> {
        let topic = self.topic(name)?;
        // Held across the growth, so two growths cannot both pass the budget.
        let topics = self.topics.write();
        let adding = total.saturating_sub(topic.partition_count());
        self.check_partition_budget(&topics, name, adding)?;
        let previous = topic.add_partitions(total)?;
        drop(topics);
        self.events.publish(TopicEvent::PartitionsAdded {
            topic: name.to_owned(),
            previous,
            now: total,
        });
        Ok(topic.describe())
    }

    /// A channel that receives every later [`TopicEvent`].
    pub fn subscribe(&self) -> Receiver<TopicEvent> {
        self.events.subscribe()
    }

    /// Appends `records` to `topic`, one batch per partition they route to (see
    /// [`partitioner`](partition_for_key)); each batch is atomic, the call as a whole is not.
    pub fn append(&self, topic: &str, records: Vec<Record>) -> Result<Vec<AppendedBatch>, LogError> {
        let topic = self.topic(topic)?;
        let appended = topic.append(records, now_ms())?;
        appended.iter().for_each(|batch| counted_in(&topic, batch));
        Ok(appended)
    }

    /// Appends `records` as one batch to `partition`, ignoring their own routing.
    pub fn append_to(
        &self,
        topic: &str,
        partition: u32,
        records: &[Record],
    ) -> Result<AppendedBatch, LogError> {
        let topic = self.topic(topic)?;
        let appended = topic.partition(partition)?.append(records, now_ms())?;
        counted_in(&topic, &appended);
        Ok(appended)
    }

    /// A new producer id and its epoch, for an idempotent producer (Kafka's InitProducerId): no
    /// id is handed out twice, restarts included.
    pub fn init_producer_id(&self) -> Result<(i64, i16), LogError> {
        self.producer_ids.allocate()
    }

    /// Appends a producer's encoded batch (Kafka's record batch v2) to `partition` as it is, once
    /// its header, CRC and (uncompressed) records check out; only its base offset is rewritten.
    pub fn append_batch(
        &self,
        topic: &str,
        partition: u32,
        batch: Vec<u8>,
    ) -> Result<AppendedBatch, LogError> {
        let topic = self.topic(topic)?;
        let appended = topic.partition(partition)?.append_batch(batch)?;
        counted_in(&topic, &appended);
        Ok(appended)
    }

    /// Whole batches from `offset` within `max_bytes` (at least one batch when any is there).
    pub fn fetch(&self, topic: &str, partition: u32, offset: u64, max_bytes: u64) -> Result<Fetch, LogError> {
        self.topic(topic)?.partition(partition)?.fetch(offset, max_bytes)
    }

    /// As [`Log::fetch`], but the batches stay as stored: CRC-checked, not decoded, back to back
    /// in one buffer (decode them with [`decode_batches`]).
    pub fn fetch_raw(
        &self,
        topic: &str,
        partition: u32,
        offset: u64,
        max_bytes: u64,
    ) -> Result<RawFetch, LogError> {
        self.topic(topic)?
            .partition(partition)?
            .fetch_raw(offset, max_bytes)
    }

    /// As [`Log::fetch_raw`], the batches appended to `out` (a buffer reused fetch after fetch;
    /// on an error nothing is appended), their CRCs not checked: for readers that check every
    /// batch themselves, as the consumer does (see [`decode_batches`], [`visit_batches`]).
    pub fn fetch_raw_into(
        &self,
        topic: &str,
        partition: u32,
        offset: u64,
        max_bytes: u64,
        out: &mut ReadBuffer,
    ) -> Result<RawFetchBounds, LogError> {
        let topic = self.topic(topic)?;
        let read = topic
            .partition(partition)?
            .fetch_raw_into(offset, max_bytes, out)?;
        let traffic = topic.traffic();
        traffic.bytes_out.add(read.len as u64);
        traffic.records_out.add(read.records);
        Ok(read)
    }

    pub fn list_offset(
        &self,
        topic: &str,
        partition: u32,
        spec: OffsetSpec,
    ) -> Result<Option<u64>, LogError> {
        self.topic(topic)?.partition(partition)?.list_offset(spec)
    }

    /// The offset and timestamp of the record `query` looks for in `partition`, if any.
    pub fn find_by_time(
        &self,
        topic: &str,
        partition: u32,
        query: TimeQuery,
    ) -> Result<Option<(u64, i64)>, LogError> {
        self.topic(topic)?.partition(partition)?.find_by_time(query)
    }

    /// Calls `visit` with every topic, for reporting (traffic, partitions' flush latency).
    pub fn visit_topics(&self, mut visit: impl FnMut(&Topic)) {
        for topic in self.topics.all() {
            visit(&topic);
        }
    }

    /// Runs one retention pass now (the background thread does this periodically).
    pub fn enforce_retention(&self) -> Vec<RetentionDeletion> {
        retention::enforce(&self.topics.all(), now_ms())
    }

    /// Syncs every partition of every topic to stable storage.
    pub fn flush(&self) -> Result<(), LogError> {
        for topic in self.topics.all() {
            for partition in topic.partitions() {
                partition.flush_all()?;
            }
        }
        Ok(())
    }

    fn topic(&self, name: &str) -> Result<Arc<Topic>, LogError> {
        self.topics
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| LogError::UnknownTopic {
                topic: name.to_owned(),
            })
    }
}

/// Counts a stored batch into its topic's traffic.
fn counted_in(topic: &Topic, appended: &AppendedBatch) {
    let traffic = topic.traffic();
    traffic.bytes_in.add(appended.stored_bytes);
    traffic.records_in.add(appended.stored_records());
}

impl Drop for Log {
    fn drop(&mut self) {
        self.shutdown.stop();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        if let Err(error) = self.flush() {
            tracing::error!(%error, "flushing the log on close failed");
        }
    }
}
