//! Group membership and inspection: join, heartbeat, leave, revoked, describe, list: the
//! messages (`regroup-protocol`) and their conversions to and from the coordinator's types.

use std::time::Duration;

use regroup_assignor_api::model;

use crate::group::{GroupDescription, GroupListing, HeartbeatState, JoinOutcome, JoinRequest};
pub use regroup_protocol::messages::groups::*;

/// The contract's rebalance protocol as the wire carries it.
pub fn wire_protocol(protocol: model::Protocol) -> Protocol {
    match protocol {
        model::Protocol::Eager => Protocol::Eager,
        model::Protocol::Cooperative => Protocol::Cooperative,
    }
}

/// [`JoinGroup`] into the coordinator's [`JoinRequest`].
pub trait JoinGroupExt {
    /// The coordinator's request; zero timeouts become `default_session` / `default_rebalance`.
    fn into_request(self, default_session: Duration, default_rebalance: Duration) -> JoinRequest;
}

impl JoinGroupExt for JoinGroup {
    fn into_request(self, default_session: Duration, default_rebalance: Duration) -> JoinRequest {
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

impl From<JoinOutcome> for Joined {
    fn from(outcome: JoinOutcome) -> Self {
        Joined {
            member_id: outcome.member_id,
            generation: outcome.generation,
            strategy: outcome.strategy,
            protocol: wire_protocol(outcome.protocol),
            leader: outcome.leader,
            partitions: outcome.partitions,
            pending: outcome.pending,
            revoke: outcome.revoke,
            user_data: outcome.user_data,
            degraded: outcome.degraded,
        }
    }
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

impl From<GroupDescription> for GroupInfo {
    fn from(group: GroupDescription) -> Self {
        GroupInfo {
            group: group.group,
            group_type: group.group_type.as_str().to_owned(),
            protocol_type: group.protocol_type,
            state: group.state.as_str().to_owned(),
            generation: group.generation,
            protocol: wire_protocol(group.protocol),
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
