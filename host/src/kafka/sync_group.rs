//! SyncGroup (versions 0 to 5): the leader sends every member's assignment, each member
//! receives its own, untouched. From version 5 the protocol type and name are checked against
//! the group's (INCONSISTENT_GROUP_PROTOCOL when they differ).

use std::time::Instant;

use kafka_protocol::messages::sync_group_request::SyncGroupRequest;
use kafka_protocol::messages::sync_group_response::SyncGroupResponse;
use kafka_protocol::protocol::StrBytes;

use super::connection::Context;
use super::error::member_code;
use crate::group::{ClassicSync, GroupError};

pub(super) async fn serve(context: &Context, request: SyncGroupRequest, version: i16) -> SyncGroupResponse {
    let sync = ClassicSync {
        group: request.group_id.0.to_string(),
        member_id: request.member_id.to_string(),
        instance_id: request.group_instance_id.map(|id| id.to_string()),
        generation: request.generation_id,
        protocol_type: request.protocol_type.map(|t| t.to_string()),
        protocol: request.protocol_name.map(|p| p.to_string()),
        assignments: request
            .assignments
            .into_iter()
            .map(|a| (a.member_id.to_string(), a.assignment.to_vec()))
            .collect(),
    };
    let (group, member) = (sync.group.clone(), sync.member_id.clone());
    let outcome = match context.services.coordinator.sync_classic(sync, Instant::now()) {
        Ok(answer) => answer.await.unwrap_or(Err(GroupError::CoordinatorClosed)),
        Err(refused) => Err(refused),
    };
    match outcome {
        Ok(synced) => {
            let response = SyncGroupResponse::default().with_assignment(synced.assignment.into());
            if version >= 5 {
                response
                    .with_protocol_type(synced.protocol_type.map(StrBytes::from_string))
                    .with_protocol_name(synced.protocol.map(StrBytes::from_string))
            } else {
                response
            }
        }
        Err(refused) => {
            let code = member_code(&refused);
            tracing::debug!(group, member, code, %refused, "sync refused");
            SyncGroupResponse::default().with_error_code(code)
        }
    }
}
