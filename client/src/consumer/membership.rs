//! Joining and rejoining the group, revocations, and what the heartbeat reports.

use regroup_protocol::messages::groups::Protocol;

use super::heartbeat::{self, MemberState};
use super::{Consumer, Owned};
use crate::{ClientError, expect_answer};
use regroup_protocol::PartitionName;
use regroup_protocol::messages::groups::{JoinGroup, Joined, WireStrategy};
use regroup_protocol::{ErrorCode, Request, Response};

/// Join refusals after which a fresh join (as a new member) is the answer.
fn rejoin_fresh(error: &ClientError) -> bool {
    [
        ErrorCode::UnknownMember,
        ErrorCode::IllegalGeneration,
        ErrorCode::JoinSuperseded,
        ErrorCode::MemberRemoved,
        ErrorCode::FencedInstance,
    ]
    .into_iter()
    .any(|code| error.is(code))
}

impl Consumer {
    /// Takes in what the heartbeat heard since the last poll.
    pub(super) async fn apply_heartbeat_news(&mut self) {
        let (lost, granted, rejoin) = {
            let mut state = self.state.lock();
            let MemberState {
                rejoin,
                granted,
                lost,
                ..
            } = &mut *state;
            (lost.take(), std::mem::take(granted), std::mem::take(rejoin))
        };
        if let Some(error) = lost {
            tracing::info!(group = self.config.group_id, %error, "membership lost; joining again");
            self.lose_everything();
        }
        let granted: Vec<PartitionName> = granted
            .into_iter()
            .filter(|p| !self.owned.contains_key(p))
            .collect();
        if !granted.is_empty() {
            for partition in &granted {
                self.owned.insert(partition.clone(), Owned::default());
            }
            self.notify_assigned(&granted);
        }
        self.needs_join |= rejoin;
    }

    /// The member id is gone: every partition is lost, the next join is as a new member.
    fn lose_everything(&mut self) {
        let lost = self.assignment();
        self.owned.clear();
        self.joined = None;
        self.state.lock().member = None;
        self.needs_join = true;
        if !lost.is_empty()
            && let Some(listener) = self.listener.as_mut()
        {
            listener.on_partitions_lost(&lost);
        }
    }

    fn notify_assigned(&mut self, partitions: &[PartitionName]) {
        let assignment = self.group_assignment();
        if let (Some(listener), Some(assignment)) = (self.listener.as_mut(), assignment) {
            listener.on_partitions_assigned(partitions, &assignment);
        }
    }

    fn revoke(&mut self, partitions: &[PartitionName]) {
        for partition in partitions {
            self.owned.remove(partition);
        }
        if !partitions.is_empty()
            && let Some(listener) = self.listener.as_mut()
        {
            listener.on_partitions_revoked(partitions);
        }
    }

    fn join_request(&self) -> JoinGroup {
        JoinGroup {
            group: self.config.group_id.clone(),
            member_id: self.joined.as_ref().map(|j| j.member_id.clone()),
            instance_id: self.config.instance_id.clone(),
            rack: self.config.rack.clone(),
            topics: self.topics.clone(),
            strategies: self
                .config
                .strategies
                .iter()
                .map(|s| WireStrategy {
                    name: s.name.clone(),
                    user_data: s.user_data.evaluate(),
                })
                .collect(),
            session_timeout_ms: self.config.session_timeout.as_millis() as u32,
            rebalance_timeout_ms: self.config.rebalance_timeout.as_millis() as u32,
            owned: self.assignment(),
            generation: self.joined.as_ref().map(|j| j.generation),
        }
    }

    /// Joins (or rejoins) and applies the outcome: revocations first, then new partitions.
    /// The heartbeat's answers are set aside meanwhile (see [`heartbeat::run`]).
    pub(super) async fn join(&mut self) -> Result<(), ClientError> {
        /// Ends the join even when the `poll` that runs it is dropped midway.
        struct Joining(heartbeat::SharedState);
        impl Drop for Joining {
            fn drop(&mut self) {
                self.0.end_join();
            }
        }
        self.state.begin_join();
        let _joining = Joining(self.state.clone());
        self.join_and_adopt().await
    }

    async fn join_and_adopt(&mut self) -> Result<(), ClientError> {
        if self
            .joined
            .as_ref()
            .is_some_and(|j| j.protocol == Protocol::Eager)
            && !self.owned.is_empty()
        {
            // Eager: everything is given up before rejoining.
            if self.config.enable_auto_commit {
                self.commit_quietly().await;
            }
            let all = self.assignment();
            self.revoke(&all);
        }
        let joined = loop {
            let answer = self.client.call(&Request::JoinGroup(self.join_request())).await;
            match answer {
                Ok(answer) => break expect_answer!(answer, "join-group", Response::Joined(joined) => joined)?,
                Err(error) if rejoin_fresh(&error) && self.joined.is_some() => {
                    tracing::info!(%error, "join refused; joining as a new member");
                    self.lose_everything();
                }
                Err(error) => return Err(error),
            }
        };
        if let Some(reason) = &joined.degraded {
            tracing::warn!(
                group = self.config.group_id,
                reason,
                "group runs without a working strategy"
            );
        }
        self.adopt(joined).await?;
        self.needs_join = false;
        if self.heartbeat.is_none() {
            self.heartbeat = Some(tokio::spawn(heartbeat::run(
                self.client.clone(),
                self.state.clone(),
                self.config.heartbeat_interval,
            )));
        }
        Ok(())
    }

    /// Applies a completed join: revoke what must go (committed first when auto-commit is on,
    /// then confirmed to the coordinator), take what is new.
    async fn adopt(&mut self, joined: Joined) -> Result<(), ClientError> {
        let member = joined.member(&self.config.group_id);
        {
            let mut state = self.state.lock();
            state.member = Some(member.clone());
            state.rejoin = false;
            state.granted.clear();
        }
        let revoke: Vec<PartitionName> = joined.revoke.clone();
        // Owned partitions the assignment no longer mentions at all are gone too.
        let dropped: Vec<PartitionName> = self
            .owned
            .keys()
            .filter(|p| !joined.partitions.contains(p) && !joined.revoke.contains(p))
            .cloned()
            .collect();
        let new: Vec<PartitionName> = joined
            .partitions
            .iter()
            .filter(|p| !self.owned.contains_key(p))
            .cloned()
            .collect();
        self.joined = Some(joined);
        if !revoke.is_empty() {
            if self.config.enable_auto_commit {
                self.commit_quietly().await;
            }
            self.revoke(&revoke);
            let answer = self
                .client
                .call(&Request::Revoked {
                    member,
                    partitions: revoke,
                })
                .await?;
            expect_answer!(answer, "revoked", Response::Done => ())?;
        }
        self.revoke(&dropped);
        for partition in &new {
            self.owned.insert(partition.clone(), Owned::default());
        }
        self.notify_assigned(&new);
        Ok(())
    }
}
