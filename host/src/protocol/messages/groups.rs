//! Group membership and inspection: join, heartbeat, leave, revoked, describe, list.

use std::time::Duration;

use regroup_assignor_api::model::Protocol;
use serde::{Deserialize, Serialize};

use crate::group::{GroupDescription, GroupListing, HeartbeatState, JoinOutcome, JoinRequest, PartitionName};

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

/// Joins or rejoins a group ([`JoinRequest`] on the wire). Timeouts of 0 take the host's defaults.
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

impl JoinGroup {
    /// The coordinator's request; zero timeouts become `default_session` / `default_rebalance`.
    pub fn into_request(self, default_session: Duration, default_rebalance: Duration) -> JoinRequest {
        let or_default = |ms: u32, default| match ms {
            0 => default,
            ms => Duration::from_millis(u64::from(ms)),
        };
        JoinRequest {
            group: self.group,
            member_id: self.member_id,
            instance_id: self.instance_id,
            rack: self.rack,
            topics: self.topics,
            strategies: self
                .strategies
                .into_iter()
                .map(|s| (s.name, s.user_data))
                .collect(),
            session_timeout: or_default(self.session_timeout_ms, default_session),
            rebalance_timeout: or_default(self.rebalance_timeout_ms, default_rebalance),
            owned: self.owned,
            generation: self.generation,
        }
    }
}

/// A completed join ([`JoinOutcome`] on the wire).
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

impl From<JoinOutcome> for Joined {
    fn from(outcome: JoinOutcome) -> Self {
        Joined {
            member_id: outcome.member_id,
            generation: outcome.generation,
            strategy: outcome.strategy,
            protocol: outcome.protocol,
            leader: outcome.leader,
            partitions: outcome.partitions,
            pending: outcome.pending,
            revoke: outcome.revoke,
            user_data: outcome.user_data,
            degraded: outcome.degraded,
        }
    }
}

/// What a heartbeat tells the member ([`HeartbeatState`] on the wire).
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

impl From<HeartbeatState> for HeartbeatReply {
    fn from(state: HeartbeatState) -> Self {
        match state {
            HeartbeatState::Stable => HeartbeatReply::Stable,
            HeartbeatState::RebalanceInProgress => HeartbeatReply::RebalanceInProgress,
            HeartbeatState::Joining => HeartbeatReply::Joining,
            HeartbeatState::Granted(partitions) => HeartbeatReply::Granted(partitions),
        }
    }
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

/// A group as the coordinator describes it ([`GroupDescription`] on the wire).
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

impl From<GroupDescription> for GroupInfo {
    fn from(group: GroupDescription) -> Self {
        GroupInfo {
            group: group.group,
            group_type: group.group_type.as_str().to_owned(),
            protocol_type: group.protocol_type,
            state: group.state.as_str().to_owned(),
            generation: group.generation,
            protocol: group.protocol,
            strategy: group.strategy.map(|s| (s.name, s.version, s.hash)),
            leader: group.leader,
            members: group
                .members
                .into_iter()
                .map(|m| MemberInfo {
                    member_id: m.member_id,
                    client_id: m.client_id,
                    client_host: m.client_host,
                    instance_id: m.instance_id,
                    rack: m.rack,
                    topics: m.topics,
                    partitions: m.partitions,
                    pending: m.pending,
                    revoking: m.revoking,
                    strategies: m
                        .strategies
                        .into_iter()
                        .map(|(name, size)| (name, size as u64))
                        .collect(),
                    assignment_user_data: m.assignment_user_data as u64,
                })
                .collect(),
            degraded: group.degraded,
            rebalancing: group.rebalancing,
            last_rebalance: group.last_rebalance.map(|r| RebalanceInfo {
                cause: r.cause,
                duration_ms: r.duration.as_millis() as u64,
                generation: r.generation,
                failures: r.failures,
            }),
        }
    }
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

impl From<GroupListing> for GroupSummary {
    fn from(group: GroupListing) -> Self {
        GroupSummary {
            group: group.group,
            group_type: group.group_type.as_str().to_owned(),
            state: group.state.as_str().to_owned(),
            members: group.members as u32,
            strategy: group.strategy,
        }
    }
}
