//! The coordinator's requests and answers, in names (topics by name, not interned ids).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use regroup_assignor_api::model::Protocol;
use serde::{Deserialize, Serialize};

/// One partition of one topic, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartitionName {
    pub topic: String,
    pub partition: u32,
}

impl PartitionName {
    pub fn new(topic: &str, partition: u32) -> Self {
        PartitionName {
            topic: topic.to_owned(),
            partition,
        }
    }
}

impl fmt::Display for PartitionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// A member asking to join, or rejoin, a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    pub group: String,
    /// `None` for a new member (the host gives it an id); its id when rejoining.
    pub member_id: Option<String>,
    /// A static member's stable identity (`group.instance.id`): a restart that comes back with it
    /// keeps the member's assignment without a rebalance.
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    /// Topics it subscribes to.
    pub topics: Vec<String>,
    /// Strategy names it accepts, most preferred first, each with its own opaque user data.
    pub strategies: Vec<(String, Vec<u8>)>,
    /// Without a heartbeat (or join) for this long the member is removed.
    pub session_timeout: Duration,
    /// How long a rebalance waits for this member to rejoin.
    pub rebalance_timeout: Duration,
    /// What the member holds now, as it reports it (used when the coordinator has no record of
    /// it, e.g. after a host restart).
    pub owned: Vec<PartitionName>,
    /// The generation in which it owned them.
    pub generation: Option<i32>,
}

impl JoinRequest {
    /// A new dynamic member with a 10 s session and a 60 s rebalance timeout.
    pub fn new(group: &str, topics: &[&str], strategies: &[(&str, &[u8])]) -> Self {
        JoinRequest {
            group: group.to_owned(),
            member_id: None,
            instance_id: None,
            rack: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            strategies: strategies
                .iter()
                .map(|(n, d)| (n.to_string(), d.to_vec()))
                .collect(),
            session_timeout: Duration::from_secs(10),
            rebalance_timeout: Duration::from_secs(60),
            owned: Vec::new(),
            generation: None,
        }
    }
}

/// What a member receives when its join completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinOutcome {
    pub member_id: String,
    pub generation: i32,
    /// The strategy that produced the assignment; `None` if the group has never had one.
    pub strategy: Option<String>,
    pub protocol: Protocol,
    /// The longest-standing member.
    pub leader: String,
    /// Partitions the member may consume now; sorted.
    pub partitions: Vec<PartitionName>,
    /// Cooperative: partitions it will receive once their owner has revoked them (announced by
    /// [`HeartbeatState::Granted`]); sorted.
    pub pending: Vec<PartitionName>,
    /// Partitions it holds but must give up: stop, commit, then confirm with `revoked`; sorted.
    pub revoke: Vec<PartitionName>,
    /// The assignor's opaque data for this member.
    pub user_data: Vec<u8>,
    /// Set when no strategy could run: the member keeps its previous assignment.
    pub degraded: Option<String>,
}

/// What a heartbeat tells the member to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeartbeatState {
    /// Nothing: keep consuming.
    Stable,
    /// A rebalance started: rejoin (eager: after giving up every partition).
    RebalanceInProgress,
    /// Its join is being completed: wait for the ticket.
    Joining,
    /// Cooperative: these partitions, pending before, are now its own.
    Granted(Vec<PartitionName>),
}

/// Which protocol a group's members speak. A group has one type; a member speaking another
/// protocol to it is refused ([`GroupError::InconsistentGroupProtocol`]).
///
/// [`GroupError::InconsistentGroupProtocol`]: super::GroupError::InconsistentGroupProtocol
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GroupType {
    /// Regroup's own protocol: the host runs the strategy.
    Native,
    /// Kafka's classic protocol: the group leader computes the assignment.
    Classic,
    /// Kafka's consumer protocol (KIP-848): the host runs the strategy, members reconcile.
    Consumer,
}

impl GroupType {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::Native => "native",
            GroupType::Classic => "classic",
            GroupType::Consumer => "consumer",
        }
    }
}

impl fmt::Display for GroupType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A group's state, as in Kafka; see the module documentation for the transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupState {
    /// No members (offsets may remain).
    Empty,
    /// A rebalance started: waiting for every member to rejoin (or the rebalance timeout).
    PreparingRebalance,
    /// The strategy is running, or (cooperative) moved partitions wait for their owners to
    /// revoke them.
    CompletingRebalance,
    /// Every member has its assignment.
    Stable,
    /// Deleted: every call on it fails.
    Dead,
}

impl GroupState {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupState::Empty => "empty",
            GroupState::PreparingRebalance => "preparing-rebalance",
            GroupState::CompletingRebalance => "completing-rebalance",
            GroupState::Stable => "stable",
            GroupState::Dead => "dead",
        }
    }
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The strategy a group runs, and which code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyDescription {
    pub name: String,
    pub version: String,
    pub hash: String,
}

/// One member in [`GroupDescription`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDescription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    pub topics: Vec<String>,
    /// Partitions it consumes now (what it must revoke excluded).
    pub partitions: Vec<PartitionName>,
    /// Partitions withheld for it until their owners revoke them.
    pub pending: Vec<PartitionName>,
    /// Partitions it must revoke.
    pub revoking: Vec<PartitionName>,
    /// Strategies it lists, with the size of its user data for each.
    pub strategies: Vec<(String, usize)>,
    /// Size of the assignor's user data for it.
    pub assignment_user_data: usize,
}

/// How the last rebalance went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebalanceSummary {
    pub cause: String,
    /// From the start of the rebalance to its assignment (by the coordinator's clock).
    pub duration: Duration,
    /// The generation it produced.
    pub generation: i32,
    /// Strategies that failed, in the order tried, each with why.
    pub failures: Vec<String>,
}

/// Everything `describe` says about a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    pub group: String,
    pub group_type: GroupType,
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Protocol,
    pub strategy: Option<StrategyDescription>,
    pub leader: Option<String>,
    /// Longest-standing first.
    pub members: Vec<MemberDescription>,
    /// Why the group runs without a working strategy, if it does.
    pub degraded: Option<String>,
    /// The cause of the rebalance in progress, if one is.
    pub rebalancing: Option<String>,
    pub last_rebalance: Option<RebalanceSummary>,
    /// Rebalances started since the host started, by [`RebalanceCause::as_str`].
    pub rebalances: BTreeMap<&'static str, u64>,
}

/// Why a rebalance started, in a few fixed kinds (the full cause is in the log and in
/// [`RebalanceSummary::cause`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebalanceCause {
    MemberJoined,
    MemberRejoined,
    MemberLeft,
    SessionExpired,
    TopicChanged,
    StrategyChanged,
    /// Every strategy failed; tried again after a backoff.
    Retry,
}

impl RebalanceCause {
    pub fn as_str(self) -> &'static str {
        match self {
            RebalanceCause::MemberJoined => "member-joined",
            RebalanceCause::MemberRejoined => "member-rejoined",
            RebalanceCause::MemberLeft => "member-left",
            RebalanceCause::SessionExpired => "session-expired",
            RebalanceCause::TopicChanged => "topic-changed",
            RebalanceCause::StrategyChanged => "strategy-changed",
            RebalanceCause::Retry => "retry",
        }
    }
}

/// One group in `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    pub group: String,
    pub group_type: GroupType,
    pub state: GroupState,
    pub members: usize,
    pub strategy: Option<String>,
}

/// Who commits offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committer {
    /// A member of the group, fenced by its generation and ownership.
    Member { member_id: String, generation: i32 },
    /// A client outside the group (e.g. an admin tool); only while the group has no members.
    Standalone,
}

/// A committed offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedOffset {
    pub offset: i64,
    pub metadata: Option<String>,
}

/// Where a reset moves a group's offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetTo {
    Earliest,
    Latest,
    /// The first record at or after this time (milliseconds since the epoch).
    Timestamp(i64),
    /// This offset, clamped into what the partition holds.
    Offset(i64),
}

/// Which partitions a reset touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetScope {
    /// Every partition of these topics.
    Topics(Vec<String>),
    Partitions(Vec<PartitionName>),
}
