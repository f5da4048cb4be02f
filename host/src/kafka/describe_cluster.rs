//! DescribeCluster (versions 0 and 1): this host as the one broker and the controller, with
//! the cluster id kept in the data directory. Asked for controllers (endpoint type 2), it
//! answers UNSUPPORTED_ENDPOINT_TYPE: this host is a broker.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::BrokerId;
use kafka_protocol::messages::describe_cluster_request::DescribeClusterRequest;
use kafka_protocol::messages::describe_cluster_response::{DescribeClusterBroker, DescribeClusterResponse};
use kafka_protocol::protocol::StrBytes;

use super::NODE_ID;
use super::connection::Context;

/// Kafka's endpoint type of brokers.
const BROKERS: i8 = 1;

pub(super) fn serve(
    context: &Context,
    request: DescribeClusterRequest,
    version: i16,
) -> DescribeClusterResponse {
    let kafka = &context.kafka;
    let mut response = DescribeClusterResponse::default()
        .with_cluster_id(StrBytes::from_string(kafka.cluster_id.clone()))
        .with_controller_id(BrokerId(NODE_ID));
    if version >= 1 && request.endpoint_type != BROKERS {
        return response
            .with_endpoint_type(request.endpoint_type)
            .with_error_code(ResponseError::UnsupportedEndpointType.code())
            .with_error_message(Some(StrBytes::from_string(format!(
                "endpoint type {} is not served: this host is a broker (type {BROKERS})",
                request.endpoint_type
            ))));
    }
    response.brokers = vec![
        DescribeClusterBroker::default()
            .with_broker_id(BrokerId(NODE_ID))
            .with_host(StrBytes::from_string(kafka.advertised_host.clone()))
            .with_port(i32::from(kafka.advertised_port)),
    ];
    response
}
