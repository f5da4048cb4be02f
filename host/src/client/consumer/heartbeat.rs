//! The background heartbeat: keeps a member in its group between polls, and tells the next
//! poll what it heard (rejoin, newly granted partitions, or the session lost).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use crate::client::{Client, ClientError};
use crate::group::PartitionName;
use crate::protocol::messages::groups::{HeartbeatReply, MemberRef};
use crate::protocol::{ErrorCode, Request, Response};

/// What the heartbeat task and `poll` share.
#[derive(Debug, Default)]
pub(super) struct MemberState {
    /// Who to heartbeat as; `None` before the first join.
    pub(super) member: Option<MemberRef>,
    /// A rebalance started: rejoin at the next poll.
    pub(super) rejoin: bool,
    /// Cooperative: pending partitions now ours.
    pub(super) granted: Vec<PartitionName>,
    /// The session is gone (expired, fenced): why.
    pub(super) lost: Option<ClientError>,
}

#[derive(Clone, Default)]
pub(super) struct SharedState(Arc<(Mutex<MemberState>, Notify)>);

impl SharedState {
    /// Completes when the heartbeat has news that needs a rejoin (a waiting poll returns early).
    pub(super) async fn news(&self) {
        self.0.1.notified().await;
    }

    fn announce(&self) {
        self.0.1.notify_one();
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, MemberState> {
        // Each update is a field assignment; never half done.
        self.0.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Codes that mean this member id is no longer in the group.
fn session_lost(error: &ClientError) -> bool {
    [
        ErrorCode::UnknownMember,
        ErrorCode::UnknownGroup,
        ErrorCode::IllegalGeneration,
        ErrorCode::FencedInstance,
        ErrorCode::MemberRemoved,
    ]
    .into_iter()
    .any(|code| error.is(code))
}

pub(super) async fn run(client: Client, state: SharedState, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let Some(member) = state.lock().member.clone() else {
            continue;
        };
        let answer = client.call(&Request::Heartbeat(member.clone())).await;
        let mut guard = state.lock();
        if guard.member.as_ref() != Some(&member) {
            // A join completed meanwhile: this answer is about the old generation.
            continue;
        }
        match answer {
            Ok(Response::Heartbeat(HeartbeatReply::RebalanceInProgress)) => guard.rejoin = true,
            Ok(Response::Heartbeat(HeartbeatReply::Granted(partitions))) => guard.granted.extend(partitions),
            Ok(_) => continue,
            Err(error) if session_lost(&error) => {
                tracing::info!(member = member.member_id, %error, "session lost");
                guard.member = None;
                guard.lost = Some(error);
            }
            Err(error) => {
                tracing::debug!(%error, "heartbeat failed; trying again");
                continue;
            }
        }
        drop(guard);
        state.announce();
    }
}
