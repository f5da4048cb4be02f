//! InitProducerId: a new producer id and epoch for an idempotent producer (the log keeps the
//! allocation durable). Transactions are not supported: a transactional id is refused with
//! TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients report as fatal at once rather than
//! retrying.

use kafka_protocol::ResponseError;
use kafka_protocol::messages::ProducerId;
use kafka_protocol::messages::init_producer_id_request::InitProducerIdRequest;
use kafka_protocol::messages::init_producer_id_response::InitProducerIdResponse;

use super::connection::Context;
use super::error::blocking;

pub(super) async fn serve(context: &Context, request: InitProducerIdRequest) -> InitProducerIdResponse {
    let refused = InitProducerIdResponse::default()
        .with_producer_id(ProducerId(-1))
        .with_producer_epoch(-1);
    if let Some(id) = request.transactional_id.filter(|id| !id.0.is_empty()) {
        tracing::info!(
            transactional_id = id.0.as_str(),
            "refusing a transactional producer: transactions are not supported"
        );
        return refused.with_error_code(ResponseError::TransactionalIdAuthorizationFailed.code());
    }
    let log = context.services.log.clone();
    match blocking(move || log.init_producer_id()).await {
        Ok((producer_id, producer_epoch)) => InitProducerIdResponse::default()
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(producer_epoch),
        Err((code, message)) => {
            tracing::warn!(code, message, "no producer id");
            refused.with_error_code(code)
        }
    }
}
