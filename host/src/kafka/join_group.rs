//! JoinGroup (versions 0 to 9): a member joins a classic group and waits for the join barrier.
//! From version 4 a new member without an instance id first gets MEMBER_ID_REQUIRED with its
//! id, and joins again with it. Version 0 has no rebalance timeout: the session timeout serves
//! (as in Kafka). A timeout outside the host's bounds is INVALID_SESSION_TIMEOUT; protocols
//! that share nothing with the group's INCONSISTENT_GROUP_PROTOCOL.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kafka_protocol::ResponseError;
use kafka_protocol::messages::join_group_request::JoinGroupRequest;
use kafka_protocol::messages::join_group_response::{JoinGroupResponse, JoinGroupResponseMember};
use kafka_protocol::protocol::StrBytes;

use super::connection::Context;
use super::error::member_code;
use crate::group::{ClassicJoin, ClassicJoinReply, ClassicJoined, GroupError};

pub(super) async fn serve(
    context: &Context,
    request: JoinGroupRequest,
    version: i16,
    client_id: &str,
    peer: SocketAddr,
) -> JoinGroupResponse {
    let millis = |ms: i32| Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    let rebalance_ms = if version >= 1 {
        request.rebalance_timeout_ms
    } else {
        request.session_timeout_ms
    };
    let asked_member = request.member_id.to_string();
    let join = ClassicJoin {
        group: request.group_id.0.to_string(),
        member_id: asked_member.clone(),
        instance_id: request.group_instance_id.map(|id| id.to_string()),
        client_id: client_id.to_owned(),
        client_host: format!("/{}", peer.ip()),
        protocol_type: request.protocol_type.to_string(),
        protocols: request
            .protocols
            .into_iter()
            .map(|p| (p.name.to_string(), p.metadata.to_vec()))
            .collect(),
        session_timeout: millis(request.session_timeout_ms),
        rebalance_timeout: millis(rebalance_ms),
        require_known_member_id: version >= 4,
    };
    let group = join.group.clone();
    let outcome = match context.services.coordinator.join_classic(join, Instant::now()) {
        Ok(ClassicJoinReply::MemberIdRequired(member_id)) => {
            return refusal(version, ResponseError::MemberIdRequired.code(), &member_id);
        }
        Ok(ClassicJoinReply::Waiting(answer)) => answer.await.unwrap_or(Err(GroupError::CoordinatorClosed)),
        Err(refused) => Err(refused),
    };
    match outcome {
        Ok(joined) => answer(version, joined),
        Err(refused) => {
            let code = match &refused {
                GroupError::InvalidRequest { reason, .. } if reason.contains("timeout") => {
                    ResponseError::InvalidSessionTimeout.code()
                }
                other => member_code(other),
            };
            tracing::debug!(group, member = asked_member, code, %refused, "join refused");
            refusal(version, code, &asked_member)
        }
    }
}

fn answer(version: i16, joined: ClassicJoined) -> JoinGroupResponse {
    let members = joined
        .members
        .into_iter()
        .map(|m| {
            let member = JoinGroupResponseMember::default()
                .with_member_id(StrBytes::from_string(m.member_id))
                .with_metadata(m.metadata.into());
            if version >= 5 {
                member.with_group_instance_id(m.instance_id.map(StrBytes::from_string))
            } else {
                member
            }
        })
        .collect();
    let response = JoinGroupResponse::default()
        .with_generation_id(joined.generation)
        .with_protocol_name(Some(StrBytes::from_string(joined.protocol.unwrap_or_default())))
        .with_leader(StrBytes::from_string(joined.leader))
        .with_member_id(StrBytes::from_string(joined.member_id))
        .with_members(members);
    if version >= 7 {
        response.with_protocol_type(joined.protocol_type.map(StrBytes::from_string))
    } else {
        response
    }
}

fn refusal(version: i16, code: i16, member_id: &str) -> JoinGroupResponse {
    let response = JoinGroupResponse::default()
        .with_error_code(code)
        .with_generation_id(-1)
        .with_member_id(StrBytes::from_string(member_id.to_owned()));
    if version >= 7 {
        response.with_protocol_name(None)
    } else {
        response.with_protocol_name(Some(StrBytes::default()))
    }
}
