//! [`Producer`]: records batched per partition, sent when a batch is full or has lingered, and
//! acknowledged once the host has appended them (and flushed, per the topic's policy).
//!
//! - `mod.rs` (this file): the handle, its config and the send calls.
//! - `accumulator.rs`: partition choice (the log's rule) and the open batches.
//! - `sender.rs`: the tasks that send batches in order and answer each record.
//! - `idempotence.rs`: the producer id and per-partition sequence numbers batches carry.

mod accumulator;
mod idempotence;
mod sender;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::admin::{Client, ClientOptions};
use super::error::ClientError;
use accumulator::Accumulator;
use idempotence::Sequencer;
use regroup_protocol::compression::Compression;
use regroup_protocol::record::Record;

/// How a producer batches.
#[derive(Debug, Clone)]
pub struct ProducerConfig {
    /// How long a batch waits for more records before it is sent (Kafka's `linger.ms`).
    pub linger: Duration,
    /// A batch is sent as soon as it holds this many bytes (Kafka's `batch.size`).
    pub batch_bytes: usize,
    /// Produce requests awaiting their answer at once (Kafka's
    /// `max.in.flight.requests.per.connection`).
    pub max_in_flight: usize,
    /// Partition counts are looked up again after this long (Kafka's `metadata.max.age.ms`).
    pub metadata_max_age: Duration,
    /// How long a record may wait for its acknowledgement, from when it joined a batch,
    /// retries and reconnects included (Kafka's `delivery.timeout.ms`); then it fails with
    /// [`ClientError::DeliveryTimeout`].
    pub delivery_timeout: Duration,
    /// How each batch's records are compressed (Kafka's `compression.type`, default `none`).
    pub compression: Compression,
    /// Each batch carries a producer id, epoch and sequence number, so the host stores a batch
    /// sent again (its answer lost to a crash or a dropped connection) once (Kafka's
    /// `enable.idempotence`, on by default as in Kafka).
    pub enable_idempotence: bool,
    pub client: ClientOptions,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            linger: Duration::from_millis(5),
            batch_bytes: 512 * 1024,
            max_in_flight: 16,
            metadata_max_age: Duration::from_secs(30),
            delivery_timeout: Duration::from_secs(120),
            compression: Compression::None,
            enable_idempotence: true,
            client: ClientOptions {
                client_id: "regroup-producer".to_owned(),
                ..ClientOptions::default()
            },
        }
    }
}

/// Where a record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
}

/// The acknowledgement of one record, to await.
pub struct Delivery(oneshot::Receiver<Result<RecordMetadata, ClientError>>);

impl std::future::Future for Delivery {
    type Output = Result<RecordMetadata, ClientError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|answer| answer.unwrap_or(Err(ClientError::Closed("producer"))))
    }
}

/// Sends records to a host. Cheap to clone; clones share batches and the connection, and may be
/// used from any task or thread at once.
///
/// Partitions are chosen as the log chooses them (an explicit partition, else Kafka's murmur2 of
/// the key, else one sticky partition per batch for keyless records, rotating), so a keyed
/// record lands where `Log::append` would put it.
///
/// ```no_run
/// # async fn example() -> Result<(), regroup_client::ClientError> {
/// use regroup_client::{Producer, ProducerConfig};
/// use regroup_client::Record;
///
/// let producer = Producer::connect("127.0.0.1:9292", ProducerConfig::default()).await?;
/// let landed = producer.send("orders", Record::new("paid").with_key("order-17")).await?;
/// println!("partition {} offset {}", landed.partition, landed.offset);
/// // Many at once: enqueue, then await the deliveries.
/// let mut deliveries = Vec::new();
/// for i in 0..1000 {
///     deliveries.push(producer.enqueue("orders", Record::new(format!("event {i}"))).await?);
/// }
/// for delivery in deliveries {
///     delivery.await?;
/// }
/// producer.close().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Producer {
    handle: Arc<Handle>,
}

pub(super) struct Shared {
    client: Client,
    config: ProducerConfig,
    accumulator: std::sync::Mutex<Accumulator>,
    /// The producer id and sequence numbers, used by the sender in send order.
    sequencer: std::sync::Mutex<Sequencer>,
    /// Wakes the linger task when a batch opens.
    batch_opened: Notify,
    /// Batches ready to go, in the order they must be sent.
    ready: mpsc::UnboundedSender<sender::Outbound>,
}

/// Owns the tasks; the last producer clone dropped stops them.
struct Handle {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Producer {
    pub async fn connect(addr: &str, config: ProducerConfig) -> Result<Producer, ClientError> {
        let client = Client::connect_with(addr, config.client.clone()).await?;
        Producer::with_client(client, config).await
    }

    /// A producer over an existing client's connection; with idempotence on, it first asks the
    /// host for a producer id.
    pub async fn with_client(client: Client, config: ProducerConfig) -> Result<Producer, ClientError> {
        let mut sequencer = Sequencer::default();
        if config.enable_idempotence {
            let (producer_id, epoch) = client.init_producer_id().await?;
            sequencer.start(producer_id, epoch);
        }
        let (ready, batches) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            client,
            config,
            accumulator: std::sync::Mutex::new(Accumulator::default()),
            sequencer: std::sync::Mutex::new(sequencer),
            batch_opened: Notify::new(),
            ready,
        });
        let tasks = vec![
            tokio::spawn(sender::linger(Arc::clone(&shared))),
            tokio::spawn(sender::send_batches(Arc::clone(&shared), batches)),
        ];
        Ok(Producer {
            handle: Arc::new(Handle { shared, tasks }),
        })
    }

    /// Sends one record and waits until the host has appended it.
    pub async fn send(&self, topic: &str, record: Record) -> Result<RecordMetadata, ClientError> {
        self.enqueue(topic, record).await?.await
    }

    /// Adds one record to its partition's batch and returns at once (after a partition-count
    /// lookup the first time a topic is seen); the [`Delivery`] completes when the host has
    /// appended it. Records of one partition are appended in the order they were enqueued.
    pub async fn enqueue(&self, topic: &str, record: Record) -> Result<Delivery, ClientError> {
        let shared = &self.handle.shared;
        let partitions = self.partition_count(topic).await?;
        let (ack, delivery) = oneshot::channel();
        {
            let mut accumulator = shared.lock();
            match accumulator.add(topic, partitions, record, ack, shared.config.batch_bytes) {
                // Queued under the lock, so batches are sent in the order they closed.
                Some(batch) => {
                    let _ = shared.ready.send(sender::Outbound::Batch(batch));
                }
                None => shared.batch_opened.notify_one(),
            }
        }
        Ok(Delivery(delivery))
    }

    /// Sends every open batch now and waits for all records enqueued so far.
    pub async fn flush(&self) -> Result<(), ClientError> {
        let shared = &self.handle.shared;
        {
            // Queued under the lock, so batches are sent in the order they closed.
            let mut accumulator = shared.lock();
            for batch in accumulator.drain(|_| true) {
                let _ = shared.ready.send(sender::Outbound::Batch(batch));
            }
        }
        let (done, flushed) = oneshot::channel();
        let _ = shared.ready.send(sender::Outbound::Flush(done));
        flushed.await.map_err(|_| ClientError::Closed("producer"))
    }

    /// Flushes, then stops this producer's tasks (once the last clone is dropped).
    pub async fn close(self) -> Result<(), ClientError> {
        self.flush().await
    }

    async fn partition_count(&self, topic: &str) -> Result<u32, ClientError> {
        let shared = &self.handle.shared;
        if let Some(count) = shared
            .lock()
            .partition_count(topic, shared.config.metadata_max_age)
        {
            return Ok(count);
        }
        let count = shared.client.describe_topic(topic).await?.partition_count();
        shared.lock().set_partition_count(topic, count, Instant::now());
        Ok(count)
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Accumulator> {
        // Held only for synchronous updates of the batches; each leaves them whole.
        self.accumulator.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sequencer(&self) -> std::sync::MutexGuard<'_, Sequencer> {
        // Held only for synchronous updates, never across an await.
        self.sequencer.lock().unwrap_or_else(|p| p.into_inner())
    }
}
