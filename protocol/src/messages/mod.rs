//! The messages of protocol version 3 (version 1 carried fetched records one by one; version 2
//! carried them as the log's stored batches; version 3 carries Kafka's record batch v2 both ways,
//! a produce being one encoded batch for one partition): one [`Request`] enum, one [`Response`] enum, and one
//! module per family of requests holding their payloads and conversions to and from the core's
//! types.
//!
//! - `topics.rs`: create, list, describe, delete, add partitions, alter configs.
//! - `records.rs`: produce, fetch, list offsets.
//! - `groups.rs`: join, heartbeat, leave, revoked, describe, list, delete.
//! - `offsets.rs`: commit, fetch and reset committed offsets.
//! - `plugins.rs`: the strategies the host serves and the files it rejected.
//!
//! bincode is positional: changing any type reachable from [`Request`] or [`Response`] changes
//! the protocol, so it bumps [`Request::VERSION`] (and [`Response::VERSION`]) and the server
//! keeps speaking the old version until no client needs it.

pub mod groups;
pub mod offsets;
pub mod plugins;
pub mod records;
pub mod topics;

use crate::codec::Envelope;
use serde::{Deserialize, Serialize};

use super::error::WireError;
use crate::PartitionName;
use groups::*;
use offsets::*;
use plugins::*;
use records::*;
use topics::*;

/// Everything a client can ask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    CreateTopic(CreateTopic),
    ListTopics,
    DescribeTopic {
        topic: String,
    },
    DeleteTopic {
        topic: String,
    },
    /// Grows the topic to `total` partitions.
    AddPartitions {
        topic: String,
        total: u32,
    },
    Produce(Produce),
    Fetch(Fetch),
    ListOffset(ListOffset),
    /// Answered when the group's rebalance completes (a long poll).
    JoinGroup(JoinGroup),
    Heartbeat(MemberRef),
    LeaveGroup {
        group: String,
        member_id: String,
    },
    Revoked {
        member: MemberRef,
        partitions: Vec<PartitionName>,
    },
    CommitOffsets(CommitOffsets),
    FetchOffsets(FetchOffsets),
    ResetOffsets(ResetOffsets),
    DescribeGroup {
        group: String,
    },
    ListGroups,
    DeleteGroup {
        group: String,
    },
    ListPlugins,
    /// Forgets an empty group's committed offsets of one topic; answered with what was
    /// forgotten ([`Response::Offsets`]). Last, so every earlier request keeps its number.
    DeleteOffsets {
        group: String,
        topic: String,
    },
    /// A producer id and epoch for an idempotent producer (Kafka's InitProducerId); answered
    /// with [`Response::ProducerId`].
    InitProducerId,
    /// Changes a topic's configs by their Kafka names (Kafka's IncrementalAlterConfigs);
    /// answered with the topic as it now is ([`Response::Topic`]).
    AlterTopicConfigs {
        topic: String,
        changes: Vec<ConfigChange>,
    },
}

impl Envelope for Request {
    const TAG: [u8; 4] = *b"RGRQ";
    const VERSION: u16 = 3;
}

impl Request {
    /// A short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Request::CreateTopic(_) => "create-topic",
            Request::ListTopics => "list-topics",
            Request::DescribeTopic { .. } => "describe-topic",
            Request::DeleteTopic { .. } => "delete-topic",
            Request::AddPartitions { .. } => "add-partitions",
            Request::Produce(_) => "produce",
            Request::Fetch(_) => "fetch",
            Request::ListOffset(_) => "list-offset",
            Request::JoinGroup(_) => "join-group",
            Request::Heartbeat(_) => "heartbeat",
            Request::LeaveGroup { .. } => "leave-group",
            Request::Revoked { .. } => "revoked",
            Request::CommitOffsets(_) => "commit-offsets",
            Request::FetchOffsets(_) => "fetch-offsets",
            Request::ResetOffsets(_) => "reset-offsets",
            Request::DescribeGroup { .. } => "describe-group",
            Request::ListGroups => "list-groups",
            Request::DeleteGroup { .. } => "delete-group",
            Request::ListPlugins => "list-plugins",
            Request::DeleteOffsets { .. } => "delete-offsets",
            Request::InitProducerId => "init-producer-id",
            Request::AlterTopicConfigs { .. } => "alter-topic-configs",
        }
    }
}

/// Every answer. A request is answered by its own variant or by [`Response::Error`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Error(WireError),
    /// Requests that return nothing: delete topic, leave, revoked, commit, delete group.
    Done,
    /// Create, describe, add partitions and alter configs.
    Topic(TopicInfo),
    Topics(Vec<String>),
    Produced(Vec<ProducedBatch>),
    Fetched(Vec<FetchedPartition>),
    /// `None` when no record matches (a timestamp after the last record).
    Offset(Option<u64>),
    Joined(Joined),
    Heartbeat(HeartbeatReply),
    Offsets(Vec<OffsetCommit>),
    OffsetsReset(Vec<(PartitionName, i64)>),
    Group(GroupInfo),
    Groups(Vec<GroupSummary>),
    Plugins(PluginList),
    /// A producer id no producer has had, and its epoch.
    ProducerId {
        producer_id: i64,
        producer_epoch: i16,
    },
}

impl Envelope for Response {
    const TAG: [u8; 4] = *b"RGRS";
    const VERSION: u16 = 3;

    /// Fetch answers are nearly all batch bytes; every other answer is small.
    fn size_hint(&self) -> usize {
        match self {
            Response::Fetched(partitions) => partitions
                .iter()
                .map(|p| 64 + p.topic.len() + p.result.as_ref().map_or(64, |records| records.batches.len()))
                .sum(),
            _ => 0,
        }
    }
}

/// The first variants of [`Response`], in its order, with fetch answers borrowing their batches
/// from the frame (decode with `codec::decode_view::<Response, ResponseView>`). A later variant
/// does not decode as a view: decode it as a [`Response`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum ResponseView<'a> {
    Error(WireError),
    Done,
    Topic(TopicInfo),
    Topics(Vec<String>),
    Produced(Vec<ProducedBatch>),
    #[serde(borrow)]
    Fetched(Vec<FetchedPartitionView<'a>>),
}

impl From<WireError> for Response {
    fn from(error: WireError) -> Self {
        Response::Error(error)
    }
}

impl Response {
    /// A short name for error messages about unexpected answers.
    pub fn kind(&self) -> &'static str {
        match self {
            Response::Error(_) => "error",
            Response::Done => "done",
            Response::Topic(_) => "topic",
            Response::Topics(_) => "topics",
            Response::Produced(_) => "produced",
            Response::Fetched(_) => "fetched",
            Response::Offset(_) => "offset",
            Response::Joined(_) => "joined",
            Response::Heartbeat(_) => "heartbeat",
            Response::Offsets(_) => "offsets",
            Response::OffsetsReset(_) => "offsets-reset",
            Response::Group(_) => "group",
            Response::Groups(_) => "groups",
            Response::Plugins(_) => "plugins",
            Response::ProducerId { .. } => "producer-id",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use crate::codec;

    #[test]
    fn requests_and_responses_round_trip() {
        let requests = [
            Request::ListTopics,
            Request::Produce(Produce {
                topic: "t".into(),
                partition: 2,
                batch: crate::batch::encode_batch(
                    0,
                    &[crate::record::Record::new(vec![1, 2, 3])
                        .with_key("k")
                        .with_header("h", "v")],
                    5,
                    crate::batch::ProducerFields::NONE,
                    crate::compression::Compression::None,
                )
                .unwrap(),
            }),
            Request::Heartbeat(MemberRef {
                group: "g".into(),
                member_id: "m".into(),
                generation: 3,
            }),
        ];
        for request in requests {
            assert_eq!(
                codec::decode::<Request>(&codec::encode(&request)).unwrap(),
                request
            );
        }
        let fetched = Response::Fetched(vec![
            FetchedPartition {
                topic: "t".into(),
                partition: 3,
                result: Ok(PartitionRecords {
                    batches: vec![7; 300],
                    high_watermark: 1 << 40,
                    log_start_offset: 5,
                }),
            },
            FetchedPartition {
                topic: "u".into(),
                partition: 1,
                result: Err(WireError::new(ErrorCode::InvalidRequest, "no")),
            },
        ]);
        let bytes = codec::encode(&fetched);
        let view = codec::decode_view::<Response, ResponseView>(&bytes).unwrap();
        assert_eq!(
            view,
            ResponseView::Fetched(vec![
                FetchedPartitionView {
                    topic: "t".into(),
                    partition: 3,
                    result: Ok(PartitionRecordsView {
                        batches: &[7; 300],
                        high_watermark: 1 << 40,
                        log_start_offset: 5,
                    }),
                },
                FetchedPartitionView {
                    topic: "u".into(),
                    partition: 1,
                    result: Err(WireError::new(ErrorCode::InvalidRequest, "no")),
                },
            ])
        );
        let error = Response::Error(WireError::new(ErrorCode::InvalidRequest, "bad"));
        assert_eq!(
            codec::decode_view::<Response, ResponseView>(&codec::encode(&error)).unwrap(),
            ResponseView::Error(WireError::new(ErrorCode::InvalidRequest, "bad"))
        );
        assert!(
            codec::decode_view::<Response, ResponseView>(&codec::encode(&Response::Offset(Some(1)))).is_err()
        );
        let response = Response::Heartbeat(HeartbeatReply::Granted(vec![PartitionName::new("t", 1)]));
        assert_eq!(
            codec::decode::<Response>(&codec::encode(&response)).unwrap(),
            response
        );
    }
}
