//! Committed offsets.

use super::super::dispatch::{Context, blocking};
use crate::protocol::messages::offsets::{CommitOffsets, FetchOffsets, OffsetCommit, ResetOffsets};
use crate::protocol::{CommitOffsetsExt, OffsetCommitExt, Response, WireError};

/// On the blocking pool: a commit is synced to disk before it is acknowledged.
pub(in crate::server) async fn commit(
    context: &Context,
    commit: CommitOffsets,
) -> Result<Response, WireError> {
    let coordinator = context.services.coordinator.clone();
    blocking(move || {
        let committer = commit.committer();
        let offsets: Vec<_> = commit.offsets.into_iter().map(OffsetCommit::into_core).collect();
        Ok(coordinator.commit_offsets(&commit.group, &committer, &offsets)?)
    })
    .await?;
    Ok(Response::Done)
}

pub(in crate::server) fn fetch(context: &Context, fetch: FetchOffsets) -> Response {
    let offsets = context
        .services
        .coordinator
        .fetch_offsets(&fetch.group, fetch.partitions.as_deref());
    Response::Offsets(offsets.into_iter().map(OffsetCommit::from_core).collect())
}

/// On the blocking pool: the deletion is written to the offsets file.
pub(in crate::server) async fn delete(
    context: &Context,
    group: String,
    topic: String,
) -> Result<Response, WireError> {
    let coordinator = context.services.coordinator.clone();
    let forgotten = blocking(move || Ok(coordinator.delete_offsets(&group, &topic)?)).await?;
    Ok(Response::Offsets(
        forgotten.into_iter().map(OffsetCommit::from_core).collect(),
    ))
}

/// On the blocking pool: the reset is written to the offsets file.
pub(in crate::server) async fn reset(context: &Context, reset: ResetOffsets) -> Result<Response, WireError> {
    let coordinator = context.services.coordinator.clone();
    let offsets = blocking(move || {
        Ok(coordinator.reset_offsets(&reset.group, &reset.scope.into(), reset.to.into())?)
    })
    .await?;
    Ok(Response::OffsetsReset(offsets))
}
