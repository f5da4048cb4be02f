//! The background heartbeat: keeps a member in its group between polls, and tells the next
//! poll what it heard (rejoin, newly granted partitions, or the session lost).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use crate::{Client, ClientError};
use regroup_protocol::PartitionName;
use regroup_protocol::messages::groups::{HeartbeatReply, MemberRef};
use regroup_protocol::{ErrorCode, Request, Response};

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
    /// A join is in flight: heartbeat answers say nothing new until it is adopted.
    pub(super) joining: bool,
    /// Counts joins started and ended, so an answer to a heartbeat sent before a join ended is
    /// recognised as stale.
    pub(super) joins: u64,
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

    /// A join starts: until [`SharedState::end_join`], heartbeat answers are not acted on.
    pub(super) fn begin_join(&self) {
        let mut state = self.lock();
        state.joining = true;
        state.joins += 1;
    }

    /// The join ended (adopted or failed).
    pub(super) fn end_join(&self) {
        let mut state = self.lock();
        state.joining = false;
        state.joins += 1;
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, MemberState> {
        // Each update is a field assignment; never half done.
        self.0.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Codes that mean this member id is no longer in the group. (`IllegalGeneration` is not one:
/// the member is still in the group, a generation behind; it rejoins under the same id, as
/// Kafka's consumer does. Joining as a new member instead would leave the old id in the group,
/// and the next rebalance would wait for it until its session expired.)
fn session_lost(error: &ClientError) -> bool {
    [
        ErrorCode::UnknownMember,
        ErrorCode::UnknownGroup,
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
        let (member, joins) = {
            let guard = state.lock();
            let Some(member) = guard.member.clone() else {
                continue;
            };
            (member, guard.joins)
        };
        // Sent during a join too: the coordinator keeps counting the session from heartbeats.
        let answer = client.call(&Request::Heartbeat(member.clone())).await;
        let mut guard = state.lock();
        if guard.joining || guard.joins != joins || guard.member.as_ref() != Some(&member) {
            // A join is in flight, or ended after this heartbeat left: the answer is about the
            // generation being replaced. In particular the coordinator answers
            // `IllegalGeneration` once the rebalance completed and before `poll` has adopted
            // the join's answer; taken as news, it would make the member rejoin for nothing.
            continue;
        }
        match answer {
            Ok(Response::Heartbeat(HeartbeatReply::RebalanceInProgress)) => guard.rejoin = true,
            Err(error) if error.is(ErrorCode::IllegalGeneration) => {
                tracing::info!(member = member.member_id, %error, "a generation behind; rejoining");
                guard.rejoin = true;
            }
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
