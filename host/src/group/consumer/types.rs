//! A consumer-protocol member's heartbeat, its answer, the refusals, and the group's description.

use std::time::Duration;

use thiserror::Error;

use super::super::{GroupError, PartitionName};

/// One heartbeat of a consumer-protocol member (Kafka's ConsumerGroupHeartbeat, topics by name).
/// A field left `None` is unchanged since the member's previous heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerHeartbeat {
    pub group: String,
    /// Empty for a new member that wants the host to name it; clients from Kafka 4.0 name
    /// themselves.
    pub member_id: String,
    /// 0 to join, the epoch the host gave it otherwise; -1 to leave, -2 for a static member
    /// leaving for a while (it keeps its partitions for its session).
    pub member_epoch: i32,
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    pub rebalance_timeout: Option<Duration>,
    pub subscribed_topics: Option<Vec<String>>,
    /// A regular expression every topic name it reads matches whole.
    pub subscribed_regex: Option<String>,
    /// The assignor it asks for (`group.remote.assignor`).
    pub assignor: Option<String>,
    /// What it holds now.
    pub owned: Option<Vec<PartitionName>>,
}

/// What a heartbeat answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerAnswer {
    pub member_id: String,
    pub member_epoch: i32,
    /// How often the member must heartbeat (the host decides).
    pub heartbeat_interval: Duration,
    /// Its whole assignment, when it changed or the member must hear it; sorted.
    pub assignment: Option<Vec<PartitionName>>,
}

/// Why a consumer-protocol heartbeat was refused; each maps to Kafka's error of the same name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsumerError {
    #[error(
        "member {member:?} of group {group:?} sent epoch {epoch}, but its epoch is {current}: it must rejoin with epoch 0"
    )]
    FencedMemberEpoch {
        group: String,
        member: String,
        epoch: i32,
        current: i32,
    },
    #[error("member {member:?} is not in group {group:?} (it left, expired, or never joined)")]
    UnknownMember { group: String, member: String },
    #[error(
        "group {group:?}: assignor {assignor:?} is not served by this host; it serves [{served}]",
        served = .served.join(", ")
    )]
    UnsupportedAssignor {
        group: String,
        assignor: String,
        served: Vec<String>,
    },
    #[error(
        "group {group:?}: static member {instance:?} is still in the group as member {member:?}; it must leave or its session expire first"
    )]
    UnreleasedInstanceId {
        group: String,
        instance: String,
        member: String,
    },
    #[error("invalid consumer group heartbeat for group {group:?}: {reason}")]
    InvalidRequest { group: String, reason: String },
    #[error(transparent)]
    Group(#[from] GroupError),
}

/// A consumer-protocol group's state, as Kafka names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumerGroupState {
    Empty,
    /// The group epoch is ahead of the target's: the assignor has yet to run (or is failing).
    Assigning,
    /// Some member has not reached the target yet.
    Reconciling,
    Stable,
}

impl ConsumerGroupState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsumerGroupState::Empty => "empty",
            ConsumerGroupState::Assigning => "assigning",
            ConsumerGroupState::Reconciling => "reconciling",
            ConsumerGroupState::Stable => "stable",
        }
    }
}

/// One member in [`ConsumerGroupDescription`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerMemberDescription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    pub member_epoch: i32,
    pub subscribed_topics: Vec<String>,
    pub subscribed_regex: Option<String>,
    /// What it holds now (partitions it must give up included), sorted.
    pub assignment: Vec<PartitionName>,
    /// Of those, what it must give up.
    pub revoking: Vec<PartitionName>,
    /// What the assignor gave it, sorted.
    pub target: Vec<PartitionName>,
    /// A static member that left for a while, keeping its partitions for its session.
    pub left: bool,
}

/// Everything describe says about a consumer-protocol group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupDescription {
    pub group: String,
    pub state: ConsumerGroupState,
    pub group_epoch: i32,
    /// The epoch of the target assignment.
    pub assignment_epoch: i32,
    /// The assignor name the group runs (as members asked, or the host's default).
    pub assignor: String,
    /// The strategy that name runs, its version and content hash, once it ran.
    pub strategy: Option<(String, String, String)>,
    pub members: Vec<ConsumerMemberDescription>,
    /// Why the target is not the group epoch's, when the assignor fails.
    pub degraded: Option<String>,
}
