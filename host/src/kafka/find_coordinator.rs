//! FindCoordinator: this host coordinates every group, so each group key is answered with the one
//! broker (one key up to version 3, a batch of keys from version 4). Transactions are not
//! supported: a transaction key gets COORDINATOR_NOT_AVAILABLE with a message saying so.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::BrokerId;
use kafka_protocol::messages::find_coordinator_request::FindCoordinatorRequest;
use kafka_protocol::messages::find_coordinator_response::{Coordinator, FindCoordinatorResponse};
use kafka_protocol::protocol::StrBytes;

use super::NODE_ID;
use super::connection::Context;

/// Kafka's key types: a consumer group, a transactional id.
const GROUP_KEY: i8 = 0;

pub(super) fn serve(
    context: &Context,
    request: FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    let host = StrBytes::from_string(context.kafka.advertised_host.clone());
    let port = i32::from(context.kafka.advertised_port);
    let refusal = (request.key_type != GROUP_KEY).then(|| {
        (
            ResponseError::CoordinatorNotAvailable.code(),
            StrBytes::from_string(format!(
                "key type {} is not served: this host coordinates consumer groups only (no transactions)",
                request.key_type
            )),
        )
    });
    let (node_id, host, port) = match refusal {
        None => (BrokerId(NODE_ID), host, port),
        Some(_) => (BrokerId(-1), StrBytes::default(), -1),
    };
    let (error_code, error_message) = refusal.map_or((0, None), |(code, message)| (code, Some(message)));
    if version >= 4 {
        let coordinators = request
            .coordinator_keys
            .into_iter()
            .map(|key| {
                Coordinator::default()
                    .with_key(key)
                    .with_node_id(node_id)
                    .with_host(host.clone())
                    .with_port(port)
                    .with_error_code(error_code)
                    .with_error_message(error_message.clone())
            })
            .collect();
        return FindCoordinatorResponse::default().with_coordinators(coordinators);
    }
    let response = FindCoordinatorResponse::default()
        .with_error_code(error_code)
        .with_node_id(node_id)
        .with_host(host)
        .with_port(port);
    if version >= 1 {
        response.with_error_message(error_message)
    } else {
        response
    }
}
