//! Heartbeat (versions 0 to 4): keeps a classic member's session; REBALANCE_IN_PROGRESS tells
//! it to rejoin, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION and FENCED_INSTANCE_ID that it is out.

use std::time::Instant;

use kafka_protocol::messages::heartbeat_request::HeartbeatRequest;
use kafka_protocol::messages::heartbeat_response::HeartbeatResponse;

use super::connection::Context;
use super::error::member_code;

pub(super) fn serve(context: &Context, request: HeartbeatRequest) -> HeartbeatResponse {
    let instance = request.group_instance_id.as_ref().map(|id| id.as_str());
    let outcome = context.services.coordinator.heartbeat_classic(
        request.group_id.0.as_str(),
        request.member_id.as_str(),
        instance,
        request.generation_id,
        Instant::now(),
    );
    let code = outcome.map_or_else(|refused| member_code(&refused), |()| 0);
    HeartbeatResponse::default().with_error_code(code)
}
