//! Group membership and inspection: join, heartbeat, leave, revoked, describe, list.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::PartitionName;

/// A group's rebalance protocol, as the wire carries it: the plugin contract's `Protocol`,
/// variant for variant (the host converts), so a client needs no part of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Protocol {
    /// Every member gives up all its partitions, then receives its new set.
    Eager,
    /// Partitions that stay with their owner are never paused; a moving partition is revoked first.
    Cooperative,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Eager => "eager",
            Protocol::Cooperative => "cooperative",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member as it names itself in requests after joining.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MemberRef {
    pub group: String,
    pub member_id: String,
    pub generation: i32,
}

/// One strategy a member accepts, with its own user data for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireStrategy {
    pub name: String,
    #[serde(with = "serde_bytes")]
    pub user_data: Vec<u8>,
}

/// Joins or rejoins a group (the coordinator's `JoinRequest` on the wire). Timeouts of 0 take the host's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroup {
    pub group: String,
    pub member_id: Option<String>,
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    pub topics: Vec<String>,
    /// Most preferred first.
    pub strategies: Vec<WireStrategy>,
    pub session_timeout_ms: u32,
    pub rebalance_timeout_ms: u32,
    pub owned: Vec<PartitionName>,
    pub generation: Option<i32>,
}

/// A completed join (the coordinator's `JoinOutcome` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    pub member_id: String,
    pub generation: i32,
    pub strategy: Option<String>,
    pub protocol: Protocol,
    pub leader: String,
    /// Partitions the member may consume now.
    pub partitions: Vec<PartitionName>,
    /// Cooperative: partitions it gets once their owners revoke them (see
    /// [`HeartbeatReply::Granted`]).
    pub pending: Vec<PartitionName>,
    /// Partitions it must stop consuming, commit, and confirm with `Revoked`.
    pub revoke: Vec<PartitionName>,
    /// The assignor's data for this member.
    #[serde(with = "serde_bytes")]
    pub user_data: Vec<u8>,
    /// Set when no strategy could run and the member keeps its previous assignment.
    pub degraded: Option<String>,
}

impl Joined {
    /// The member this join made, in `group`: what its later requests name.
    pub fn member(&self, group: &str) -> MemberRef {
        MemberRef {
            group: group.to_owned(),
            member_id: self.member_id.clone(),
            generation: self.generation,
        }
    }
}

/// What a heartbeat tells the member (the coordinator's `HeartbeatState` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeartbeatReply {
    Stable,
    /// Rejoin at the next poll.
    RebalanceInProgress,
    /// Its join is being completed.
    Joining,
    /// Cooperative: these pending partitions are now its own.
    Granted(Vec<PartitionName>),
}

/// One member of [`GroupInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub member_id: String,
    /// A Kafka client's `client.id` and address (classic groups).
    pub client_id: Option<String>,
    pub client_host: Option<String>,
    pub instance_id: Option<String>,
    pub rack: Option<String>,
    pub topics: Vec<String>,
    pub partitions: Vec<PartitionName>,
    pub pending: Vec<PartitionName>,
    pub revoking: Vec<PartitionName>,
    /// Strategies it lists, with the size of its user data for each.
    pub strategies: Vec<(String, u64)>,
    pub assignment_user_data: u64,
}

/// How the last rebalance went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebalanceInfo {
    pub cause: String,
    pub duration_ms: u64,
    pub generation: i32,
    pub failures: Vec<String>,
}

/// A group as the coordinator describes it (its `GroupDescription` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub group: String,
    /// `native`, `classic` or `consumer`.
    pub group_type: String,
    /// A classic group's protocol type (`consumer` for Kafka's consumers).
    pub protocol_type: Option<String>,
    /// `empty`, `preparing-rebalance`, `completing-rebalance`, `stable` or `dead`.
    pub state: String,
    pub generation: i32,
    pub protocol: Protocol,
    /// Name, version and content hash of the strategy that made the assignment.
    pub strategy: Option<(String, String, String)>,
    pub leader: Option<String>,
    pub members: Vec<MemberInfo>,
    pub degraded: Option<String>,
    pub rebalancing: Option<String>,
    pub last_rebalance: Option<RebalanceInfo>,
}

/// One group in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub group: String,
    /// `native`, `classic` or `consumer`.
    pub group_type: String,
    pub state: String,
    pub members: u32,
    pub strategy: Option<String>,
}
