//! Group membership and inspection.

use std::time::Instant;

use super::super::dispatch::{Context, blocking};
use crate::group::PartitionName;
use crate::protocol::messages::groups::{
    GroupInfo, GroupSummary, HeartbeatReply, JoinGroup, Joined, MemberRef,
};
use crate::protocol::{ErrorCode, JoinGroupExt, Response, WireError};

/// A long poll: the coordinator's ticket is awaited, not waited on, so no thread blocks while
/// the group gathers its members.
pub(in crate::server) async fn join(mut context: Context, join: JoinGroup) -> Result<Response, WireError> {
    let services = &context.services;
    let request = join.into_request(
        services.default_session_timeout,
        services.default_rebalance_timeout,
    );
    let coordinator = services.coordinator.clone();
    // Joining may run the strategy at once (the last member in completes the rebalance).
    let ticket = blocking(move || Ok(coordinator.join(request, Instant::now())?)).await?;
    tokio::select! {
        outcome = ticket => Ok(Response::Joined(Joined::from(outcome?))),
        () = context.shutdown.recv() => Err(WireError::new(
            ErrorCode::ShuttingDown,
            "the server is shutting down; join again once it is back",
        )),
    }
}

pub(in crate::server) fn heartbeat(context: &Context, member: MemberRef) -> Result<Response, WireError> {
    let state = context.services.coordinator.heartbeat(
        &member.group,
        &member.member_id,
        member.generation,
        Instant::now(),
    )?;
    Ok(Response::Heartbeat(HeartbeatReply::from(state)))
}

/// On the blocking pool: the others' rebalance may run the strategy at once.
pub(in crate::server) async fn leave(
    context: &Context,
    group: String,
    member_id: String,
) -> Result<Response, WireError> {
    let coordinator = context.services.coordinator.clone();
    blocking(move || Ok(coordinator.leave(&group, &member_id, Instant::now())?)).await?;
    Ok(Response::Done)
}

pub(in crate::server) fn revoked(
    context: &Context,
    member: MemberRef,
    partitions: Vec<PartitionName>,
) -> Result<Response, WireError> {
    context.services.coordinator.revoked(
        &member.group,
        &member.member_id,
        member.generation,
        &partitions,
        Instant::now(),
    )?;
    Ok(Response::Done)
}

pub(in crate::server) fn describe(context: &Context, group: &str) -> Result<Response, WireError> {
    let description = context.services.coordinator.describe(group)?;
    Ok(Response::Group(GroupInfo::from(description)))
}

pub(in crate::server) fn list(context: &Context) -> Response {
    Response::Groups(
        context
            .services
            .coordinator
            .list()
            .into_iter()
            .map(GroupSummary::from)
            .collect(),
    )
}

/// On the blocking pool: deleting writes to the offsets file.
pub(in crate::server) async fn delete(context: &Context, group: String) -> Result<Response, WireError> {
    let coordinator = context.services.coordinator.clone();
    blocking(move || Ok(coordinator.delete_group(&group)?)).await?;
    Ok(Response::Done)
}
