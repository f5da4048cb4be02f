//! LeaveGroup (versions 0 to 5): one member by id up to version 2, a batch from version 3, each
//! by member id or instance id (a static member's id, when given, must be its current one, or
//! FENCED_INSTANCE_ID), each with its own error code.

use std::time::Instant;

use kafka_protocol::messages::leave_group_request::LeaveGroupRequest;
use kafka_protocol::messages::leave_group_response::{LeaveGroupResponse, MemberResponse};

use super::connection::Context;
use super::error::member_code;

pub(super) fn serve(context: &Context, request: LeaveGroupRequest, version: i16) -> LeaveGroupResponse {
    let group = request.group_id.0.as_str();
    let leaving: Vec<(String, Option<String>)> = if version >= 3 {
        request
            .members
            .iter()
            .map(|m| {
                (
                    m.member_id.to_string(),
                    m.group_instance_id.as_ref().map(|i| i.to_string()),
                )
            })
            .collect()
    } else {
        vec![(request.member_id.to_string(), None)]
    };
    let outcome = context
        .services
        .coordinator
        .leave_classic(group, &leaving, Instant::now());
    match outcome {
        Err(refused) => LeaveGroupResponse::default().with_error_code(member_code(&refused)),
        Ok(verdicts) if version < 3 => {
            let code = verdicts
                .first()
                .and_then(|v| v.as_ref().err())
                .map_or(0, member_code);
            LeaveGroupResponse::default().with_error_code(code)
        }
        Ok(verdicts) => {
            let members = request
                .members
                .into_iter()
                .zip(verdicts)
                .map(|(m, verdict)| {
                    MemberResponse::default()
                        .with_member_id(m.member_id)
                        .with_group_instance_id(m.group_instance_id)
                        .with_error_code(verdict.map_or_else(|refused| member_code(&refused), |()| 0))
                })
                .collect();
            LeaveGroupResponse::default().with_members(members)
        }
    }
}
