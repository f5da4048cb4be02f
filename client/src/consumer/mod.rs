//! [`Consumer`]: a member of a consumer group that polls the records of the partitions it owns.
//!
//! - `mod.rs` (this file): the consumer, `poll`, seek/pause/resume, close.
//! - `config.rs`: [`ConsumerConfig`] in Kafka's vocabulary, and per-strategy [`UserData`].
//! - `listener.rs`: [`RebalanceListener`] callbacks and [`GroupAssignment`].
//! - `membership.rs`: joining and rejoining, revocations, lost sessions.
//! - `positions.rs`: where each partition reads from: committed offsets, `auto.offset.reset`.
//! - `commit.rs`: manual (sync and async) and automatic commits.
//! - `heartbeat.rs`: the background heartbeat task.
//!
//! A rebalance seen by the heartbeat makes the next `poll` rejoin. Cooperative groups keep
//! their partitions while rejoining and give up only what the coordinator revokes; eager groups
//! give up everything first. A lost session (the member was removed) calls
//! [`RebalanceListener::on_partitions_lost`] and the next poll joins as a new member.

mod commit;
mod config;
mod heartbeat;
mod listener;
mod membership;
mod positions;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::task::JoinHandle;

pub use config::{ConsumerConfig, OffsetReset, StrategyChoice, UserData};
pub use listener::{GroupAssignment, RebalanceEvent, RebalanceListener};

use super::admin::{Client, expect_answer};
use super::connection::FetchedRecords;
use super::error::ClientError;
use heartbeat::SharedState;
use regroup_protocol::PartitionName;
use regroup_protocol::messages::groups::{Joined, MemberRef};
use regroup_protocol::messages::records::{Fetch, FetchPartition};
use regroup_protocol::record::Header;
use regroup_protocol::{ErrorCode, Request, Response};

/// A record as a consumer receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
    pub timestamp: i64,
    /// Key and value share the fetch answer the record came in (slices of it, not copies);
    /// a record kept long after the poll keeps that answer's memory (up to `fetch.max.bytes`)
    /// alive: keep a copy instead (`Bytes::copy_from_slice`).
    pub key: Option<Bytes>,
    pub value: Bytes,
    pub headers: Vec<Header>,
}

/// One owned partition.
#[derive(Debug, Clone, Default)]
struct Owned {
    /// The next offset to read; `None` until looked up.
    position: Option<u64>,
    /// The log no longer holds `position` (retention, or the topic was recreated): the next
    /// lookup applies `auto.offset.reset` instead of reloading the committed offset, which
    /// would be out of range again.
    out_of_range: Option<u64>,
    paused: bool,
}

/// A group member reading records. Used by one task at a time (`&mut self`); heartbeats run in
/// the background so a consumer stays in its group between polls.
///
/// ```no_run
/// # async fn example() -> Result<(), regroup_client::ClientError> {
/// use std::time::Duration;
/// use regroup_client::{Consumer, ConsumerConfig};
///
/// let config = ConsumerConfig::from_properties(&[
///     ("group.id", "billing"),
///     ("partition.assignment.strategy", "cooperative-sticky,range"),
///     ("enable.auto.commit", "false"),
///     ("auto.offset.reset", "earliest"),
/// ])?;
/// let mut consumer = Consumer::connect("127.0.0.1:9292", config).await?;
/// consumer.subscribe(&["orders"]);
/// loop {
///     let records = consumer.poll(Duration::from_millis(500)).await?;
///     for record in &records {
///         println!("{}-{}@{}: {:?}", record.topic, record.partition, record.offset, record.value);
///     }
///     if !records.is_empty() {
///         consumer.commit_sync().await?;
///     }
/// #   break;
/// }
/// consumer.close().await?;
/// # Ok(()) }
/// ```
pub struct Consumer {
    client: Client,
    config: ConsumerConfig,
    topics: Vec<String>,
    listener: Option<Box<dyn RebalanceListener>>,
    state: SharedState,
    heartbeat: Option<JoinHandle<()>>,
    /// The last completed join.
    joined: Option<Joined>,
    owned: BTreeMap<PartitionName, Owned>,
    /// Join at the next poll (first poll, subscription changed, rebalance, lost session).
    needs_join: bool,
    last_auto_commit: Instant,
    /// The fetch sent ahead after the last poll that returned records.
    ahead: Option<Ahead>,
}

/// A fetch sent ahead (without waiting on the server) so the next poll's records are on their
/// way while the caller handles this poll's. Used only when the next poll would ask exactly the
/// same (member, partitions, positions); otherwise aborted and forgotten.
struct Ahead {
    member: MemberRef,
    partitions: Vec<FetchPartition>,
    answer: JoinHandle<Result<Vec<FetchedRecords>, ClientError>>,
}

impl Drop for Consumer {
    fn drop(&mut self) {
        // Without close: no leave; the group notices at the session timeout.
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
        if let Some(ahead) = self.ahead.take() {
            ahead.answer.abort();
        }
    }
}

impl Consumer {
    pub async fn connect(addr: &str, config: ConsumerConfig) -> Result<Consumer, ClientError> {
        if config.strategies.is_empty() {
            return Err(ClientError::Config(
                "partition.assignment.strategy must name at least one strategy".into(),
            ));
        }
        let client = Client::connect_with(addr, config.client.clone()).await?;
        Ok(Consumer {
            client,
            config,
            topics: Vec::new(),
            listener: None,
            state: SharedState::default(),
            heartbeat: None,
            joined: None,
            owned: BTreeMap::new(),
            needs_join: false,
            last_auto_commit: Instant::now(),
            ahead: None,
        })
    }

    /// Subscribes to `topics` (replacing any earlier subscription); the next poll joins.
    pub fn subscribe(&mut self, topics: &[&str]) {
        self.topics = topics.iter().map(|t| (*t).to_owned()).collect();
        self.needs_join = true;
    }

    /// As [`Consumer::subscribe`], with callbacks for partitions assigned, revoked and lost.
    pub fn subscribe_with(&mut self, topics: &[&str], listener: impl RebalanceListener + 'static) {
        self.listener = Some(Box::new(listener));
        self.subscribe(topics);
    }

    /// Partitions owned now.
    pub fn assignment(&self) -> Vec<PartitionName> {
        self.owned.keys().cloned().collect()
    }

    /// The current assignment with the assignor's data for this member, once joined.
    pub fn group_assignment(&self) -> Option<GroupAssignment> {
        self.joined.as_ref().map(|joined| GroupAssignment {
            member_id: joined.member_id.clone(),
            generation: joined.generation,
            strategy: joined.strategy.clone(),
            protocol: joined.protocol,
            partitions: self.assignment(),
            user_data: joined.user_data.clone(),
        })
    }

    /// The next offset `poll` reads from `partition`, once known.
    pub fn position(&self, partition: &PartitionName) -> Option<u64> {
        self.owned.get(partition).and_then(|o| o.position)
    }

    /// The next poll reads `partition` from `offset`.
    pub fn seek(&mut self, partition: &PartitionName, offset: u64) -> Result<(), ClientError> {
        self.owned_mut(partition)?.position = Some(offset);
        Ok(())
    }

    /// Stops fetching `partitions` (they stay owned) until resumed.
    pub fn pause(&mut self, partitions: &[PartitionName]) -> Result<(), ClientError> {
        for partition in partitions {
            self.owned_mut(partition)?.paused = true;
        }
        Ok(())
    }

    pub fn resume(&mut self, partitions: &[PartitionName]) -> Result<(), ClientError> {
        for partition in partitions {
            self.owned_mut(partition)?.paused = false;
        }
        Ok(())
    }

    fn owned_mut(&mut self, partition: &PartitionName) -> Result<&mut Owned, ClientError> {
        self.owned
            .get_mut(partition)
            .ok_or_else(|| ClientError::NotAssigned {
                partition: partition.clone(),
            })
    }

    fn member(&self) -> Option<MemberRef> {
        self.joined
            .as_ref()
            .map(|joined| joined.member(&self.config.group_id))
    }

    /// Records of owned, unpaused partitions, in offset order per partition; waits up to
    /// `timeout` when there are none. Joins or rejoins the group first when needed, which may
    /// take longer (until the group's rebalance completes).
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<ConsumerRecord>, ClientError> {
        if self.topics.is_empty() {
            return Err(ClientError::NotSubscribed);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        self.apply_heartbeat_news().await;
        if self.needs_join {
            self.join().await?;
        }
        self.maybe_auto_commit().await;
        self.fill_positions().await?;
        let Some(member) = self.member() else {
            return Ok(Vec::new());
        };
        let partitions = self.fetch_partitions();
        if partitions.is_empty() {
            // Nothing to read: wait out the poll, unless the heartbeat has news.
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                () = self.state.news() => {}
            }
            return Ok(Vec::new());
        }
        let state = self.state.clone();
        let mut answer = None;
        if let Some(mut ahead) = self.ahead.take() {
            if ahead.member == member && ahead.partitions == partitions {
                let early = tokio::select! {
                    early = &mut ahead.answer => early,
                    () = state.news() => {
                        ahead.answer.abort();
                        return Ok(Vec::new());
                    }
                };
                // A failed or empty early answer is not used: the fetch below asks again and
                // waits as the poll allows.
                if let Ok(Ok(fetched)) = early
                    && fetched
                        .iter()
                        .any(|p| p.result.as_ref().map_or(true, |batches| !batches.is_empty()))
                {
                    answer = Some(fetched);
                }
            } else {
                ahead.answer.abort();
            }
        }
        let answer = match answer {
            Some(answer) => answer,
            None => {
                let wait = deadline.saturating_duration_since(tokio::time::Instant::now());
                let request = Request::Fetch(Fetch {
                    member: Some(member),
                    partitions,
                    max_wait_ms: wait.as_millis().min(u128::from(u32::MAX)) as u32,
                    max_bytes: self.config.fetch_max_bytes,
                });
                tokio::select! {
                    answer = self.client.fetch_records(&request) => answer?,
                    // A rebalance or a lost session: give up the wait (positions have not moved) so
                    // the next poll rejoins at once.
                    () = state.news() => return Ok(Vec::new()),
                }
            }
        };
        // The next fetch leaves now, from positions read in the batch headers, so the server
        // reads it while these batches are checked and decoded here.
        let early_ahead = self.fetch_ahead_after(&answer);
        // Every partition is decoded (and CRC-checked) first; any failure is returned before
        // moving any position, so corrupt data loses nothing: the next poll asks for the same
        // offsets again.
        let mut records = Vec::new();
        let mut decoded = Vec::with_capacity(answer.len());
        for part in answer {
            let name = PartitionName::new(&part.topic, part.partition);
            let result = match part.result {
                Ok(batches) => {
                    // The first batch may begin before the position: records below it are
                    // checked but not handed out. A partition no longer owned is only checked.
                    let from = self.owned.get(&name).map(|owned| owned.position.unwrap_or(0));
                    let mut unowned = Vec::new();
                    let into = if from.is_some() {
                        &mut records
                    } else {
                        &mut unowned
                    };
                    match batches.records_into(&part.topic, part.partition, from.unwrap_or(0), into) {
                        Ok(next) => Ok(next),
                        Err(reason) => {
                            if let Some(ahead) = self.ahead.take() {
                                ahead.answer.abort();
                            }
                            return Err(ClientError::CorruptRecords {
                                partition: name,
                                reason,
                            });
                        }
                    }
                }
                Err(error) => Err(error),
            };
            decoded.push((name, result));
        }
        for (name, result) in decoded {
            match result {
                Ok(next) => {
                    if let (Some(next), Some(owned)) = (next, self.owned.get_mut(&name)) {
                        owned.position = Some(next);
                    }
                }
                Err(error) if error.is(ErrorCode::OffsetOutOfRange) => {
                    if let Some(owned) = self.owned.get_mut(&name) {
                        owned.out_of_range = owned.position.take();
                    }
                }
                Err(error) => {
                    tracing::info!(partition = %name, %error, "fetch refused; rejoining");
                    self.needs_join = true;
                }
            }
        }
        if !early_ahead && !records.is_empty() && !self.needs_join {
            self.fetch_ahead(&BTreeMap::new());
        }
        Ok(records)
    }

    /// Sends the fetch that follows `answer` before its batches are decoded, when every
    /// partition answered and one has batches: positions move as the batch headers say. True
    /// when sent. Should the batches fail their checks, the positions do not move and the next
    /// poll drops this fetch (it asks other offsets).
    fn fetch_ahead_after(&mut self, answer: &[FetchedRecords]) -> bool {
        if self.needs_join {
            return false;
        }
        let mut moved = BTreeMap::new();
        for part in answer {
            let Ok(batches) = &part.result else {
                return false;
            };
            let name = PartitionName::new(&part.topic, part.partition);
            let Some(position) = self.owned.get(&name).and_then(|owned| owned.position) else {
                return false;
            };
            if let Some(next) = batches.next_offset_hint()
                && next > position
            {
                moved.insert(name, next);
            }
        }
        if moved.is_empty() {
            return false;
        }
        self.fetch_ahead(&moved);
        true
    }

    /// What a fetch asks for now: every owned, unpaused partition whose position is known.
    fn fetch_partitions(&self) -> Vec<FetchPartition> {
        self.fetch_partitions_moved(&BTreeMap::new())
    }

    /// As [`Consumer::fetch_partitions`], with the positions of `moved` instead.
    fn fetch_partitions_moved(&self, moved: &BTreeMap<PartitionName, u64>) -> Vec<FetchPartition> {
        self.owned
            .iter()
            .filter(|(_, owned)| !owned.paused)
            .filter_map(|(partition, owned)| {
                Some(FetchPartition {
                    topic: partition.topic.clone(),
                    partition: partition.partition,
                    offset: moved.get(partition).copied().or(owned.position)?,
                    max_bytes: self.config.max_partition_fetch_bytes,
                })
            })
            .collect()
    }

    /// Sends the next poll's fetch now, without a wait (see [`Ahead`]), from the positions of
    /// `moved` where given.
    fn fetch_ahead(&mut self, moved: &BTreeMap<PartitionName, u64>) {
        let Some(member) = self.member() else {
            return;
        };
        let partitions = self.fetch_partitions_moved(moved);
        if partitions.is_empty() {
            return;
        }
        let request = Request::Fetch(Fetch {
            member: Some(member.clone()),
            partitions: partitions.clone(),
            max_wait_ms: 0,
            max_bytes: self.config.fetch_max_bytes,
        });
        let client = self.client.clone();
        let answer = tokio::spawn(async move { client.fetch_records(&request).await });
        if let Some(previous) = self.ahead.replace(Ahead {
            member,
            partitions,
            answer,
        }) {
            previous.answer.abort();
        }
    }

    /// Commits (if auto-commit is on), gives up the partitions and leaves the group at once, so
    /// the others rebalance without waiting for the session timeout.
    pub async fn close(mut self) -> Result<(), ClientError> {
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
        if let Some(ahead) = self.ahead.take() {
            ahead.answer.abort();
        }
        if self.config.enable_auto_commit {
            self.commit_quietly().await;
        }
        let owned = self.assignment();
        if !owned.is_empty()
            && let Some(listener) = self.listener.as_mut()
        {
            listener.on_partitions_revoked(&owned);
        }
        self.owned.clear();
        let Some(member) = self.member() else {
            return Ok(());
        };
        let answer = self
            .client
            .call(&Request::LeaveGroup {
                group: member.group,
                member_id: member.member_id,
            })
            .await?;
        expect_answer!(answer, "leave-group", Response::Done => ())
    }
}
