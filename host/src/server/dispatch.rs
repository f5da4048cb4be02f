//! One request to its handler, and the rules every handler shares.

use std::sync::Arc;

use super::shutdown::Shutdown;
use super::{ServerConfig, Services, handlers};
use crate::protocol::{ErrorCode, Request, Response, WireError};

/// What a handler may use.
pub(super) struct Context {
    pub(super) services: Arc<Services>,
    pub(super) config: Arc<ServerConfig>,
    pub(super) shutdown: Shutdown,
}

/// Requests that may wait a long time for their answer; they run as their own tasks.
pub(super) fn is_long_poll(request: &Request) -> bool {
    match request {
        Request::JoinGroup(_) => true,
        Request::Fetch(fetch) => fetch.max_wait_ms > 0,
        _ => false,
    }
}

/// Serves one request; every failure becomes [`Response::Error`].
pub(super) async fn serve(context: Context, request: Request) -> Response {
    let kind = request.kind();
    let result = match request {
        Request::CreateTopic(create) => handlers::topics::create(&context, create).await,
        Request::ListTopics => Ok(Response::Topics(context.services.log.list_topics())),
        Request::DescribeTopic { topic } => handlers::topics::describe(&context, topic),
        Request::DeleteTopic { topic } => handlers::topics::delete(&context, topic).await,
        Request::AddPartitions { topic, total } => {
            handlers::topics::add_partitions(&context, topic, total).await
        }
        Request::Produce(produce) => handlers::records::produce(&context, produce).await,
        Request::Fetch(fetch) => handlers::records::fetch(context, fetch).await,
        Request::ListOffset(list) => handlers::records::list_offset(&context, list).await,
        Request::JoinGroup(join) => handlers::groups::join(context, join).await,
        Request::Heartbeat(member) => handlers::groups::heartbeat(&context, member),
        Request::LeaveGroup { group, member_id } => handlers::groups::leave(&context, group, member_id).await,
        Request::Revoked { member, partitions } => handlers::groups::revoked(&context, member, partitions),
        Request::DescribeGroup { group } => handlers::groups::describe(&context, &group),
        Request::ListGroups => Ok(handlers::groups::list(&context)),
        Request::DeleteGroup { group } => handlers::groups::delete(&context, group).await,
        Request::CommitOffsets(commit) => handlers::offsets::commit(&context, commit).await,
        Request::FetchOffsets(fetch) => Ok(handlers::offsets::fetch(&context, fetch)),
        Request::ResetOffsets(reset) => handlers::offsets::reset(&context, reset).await,
        Request::ListPlugins => handlers::plugins::list(&context).await,
    };
    result.unwrap_or_else(|error| {
        tracing::debug!(request = kind, %error, "request refused");
        Response::Error(error)
    })
}

/// Runs a core call on tokio's blocking pool: it may fsync, or run a strategy. A panic in it
/// becomes an [`ErrorCode::Internal`] answer instead of taking the connection down.
pub(super) async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, WireError> + Send + 'static,
) -> Result<T, WireError> {
    tokio::task::spawn_blocking(call).await.unwrap_or_else(|error| {
        Err(WireError::new(
            ErrorCode::Internal,
            format!("the server failed while serving the request: {error}"),
        ))
    })
}
