//! One request to its handler, and the rules every handler shares.

use std::sync::Arc;

use super::connection::Spares;
use super::shutdown::Shutdown;
use super::{LISTENER_NAME, ServerConfig, Services, handlers};
use crate::protocol::{ErrorCode, FetchedFrame, Request, Response, WireError};

/// What a handler may use.
pub(super) struct Context {
    pub(super) services: Arc<Services>,
    pub(super) config: Arc<ServerConfig>,
    pub(super) shutdown: Shutdown,
    /// The connection's reusable frame buffers, for answers built in place.
    pub(super) buffers: Spares,
}

/// What a request is answered with (moved once, to the connection's writer).
#[allow(clippy::large_enum_variant)]
pub(super) enum Answer {
    Response(Response),
    /// A fetch answer already laid out as a frame (see [`FetchedFrame`]).
    Fetched(FetchedFrame),
}

/// Requests that may wait a long time for their answer; they run as their own tasks.
pub(super) fn is_long_poll(request: &Request) -> bool {
    match request {
        Request::JoinGroup(_) => true,
        Request::Fetch(fetch) => fetch.max_wait_ms > 0,
        _ => false,
    }
}

/// Serves one request, counting it; every failure becomes [`Response::Error`].
pub(super) async fn serve(context: Context, request: Request) -> Answer {
    let started = std::time::Instant::now();
    let kind = request.kind();
    let services = Arc::clone(&context.services);
    let answer = answer(context, request).await;
    let failed = matches!(answer, Answer::Response(Response::Error(_)));
    services
        .requests
        .served(LISTENER_NAME, kind, started.elapsed(), failed);
    answer
}

async fn answer(context: Context, request: Request) -> Answer {
    let kind = request.kind();
    if let Request::Fetch(fetch) = request {
        return match handlers::records::fetch(context, fetch).await {
            Ok(frame) => Answer::Fetched(frame),
            Err(error) => Answer::Response(refused(kind, error)),
        };
    }
    let result = match request {
        Request::CreateTopic(create) => handlers::topics::create(&context, create).await,
        Request::ListTopics => Ok(Response::Topics(context.services.log.list_topics())),
        Request::DescribeTopic { topic } => handlers::topics::describe(&context, topic),
        Request::DeleteTopic { topic } => handlers::topics::delete(&context, topic).await,
        Request::AddPartitions { topic, total } => {
            handlers::topics::add_partitions(&context, topic, total).await
        }
        Request::Produce(produce) => handlers::records::produce(&context, produce).await,
        Request::Fetch(_) => unreachable!("served above"),
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
        Request::DeleteOffsets { group, topic } => handlers::offsets::delete(&context, group, topic).await,
        Request::InitProducerId => handlers::records::init_producer_id(&context).await,
        Request::AlterTopicConfigs { topic, changes } => {
            handlers::topics::alter_configs(&context, topic, changes).await
        }
    };
    Answer::Response(result.unwrap_or_else(|error| refused(kind, error)))
}

fn refused(kind: &str, error: WireError) -> Response {
    tracing::debug!(request = kind, %error, "request refused");
    Response::Error(error)
}

/// Runs a core call on tokio's blocking pool: it may fsync, or run a strategy. A panic in it
/// becomes an [`ErrorCode::Internal`] answer instead of taking the connection down.
pub(super) async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, WireError> + Send + 'static,
) -> Result<T, WireError> {
    on_blocking_pool(call, failed_inside).await
}

/// Runs a core call on tokio's blocking pool (it may fsync, or run a strategy); a panic in it
/// becomes `on_panic`'s error, logged, instead of taking the connection down. Both listeners'
/// handlers run their blocking calls through here.
pub(crate) async fn on_blocking_pool<T: Send + 'static, E: Send + 'static>(
    call: impl FnOnce() -> Result<T, E> + Send + 'static,
    on_panic: impl FnOnce(tokio::task::JoinError) -> E,
) -> Result<T, E> {
    tokio::task::spawn_blocking(call)
        .await
        .unwrap_or_else(|panicked| {
            tracing::error!(error = %panicked, "a request failed inside the host");
            Err(on_panic(panicked))
        })
}

/// The answer to a request whose work panicked on the blocking pool.
pub(super) fn failed_inside(error: tokio::task::JoinError) -> WireError {
    WireError::new(
        ErrorCode::Internal,
        format!("the server failed while serving the request: {error}"),
    )
}
