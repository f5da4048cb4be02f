//! The coordinator's offsets calls: commits fenced as each kind of group fences them (native and
//! classic members by generation, consumer-protocol members by member epoch, outsiders only while
//! a group has no members), fetches, resets to a position the log resolves, and deletions. The
//! durable store itself is `offsets.rs`.

use super::*;

impl Coordinator {
    /// Commits offsets durably. A member must own every partition in the current generation;
    /// a standalone committer only writes to a group without members. All or nothing: one
    /// refused partition refuses the commit.
    pub fn commit_offsets(
        &self,
        group: &str,
        committer: &Committer,
        offsets: &[(PartitionName, CommittedOffset)],
    ) -> Result<(), GroupError> {
        self.commit(group, committer, offsets, false).map(drop)
    }

    /// Commits offsets as Kafka does: the committer is checked for the whole request (the
    /// outer error), then each partition on its own (an unknown partition, metadata too long,
    /// an offset out of range), and the partitions that pass are committed durably. Returns
    /// each partition's verdict, in the order given.
    pub fn commit_offsets_each(
        &self,
        group: &str,
        committer: &Committer,
        offsets: &[(PartitionName, CommittedOffset)],
    ) -> Result<Vec<Result<(), GroupError>>, GroupError> {
        self.commit(group, committer, offsets, true)
    }

    fn commit(
        &self,
        group: &str,
        committer: &Committer,
        offsets: &[(PartitionName, CommittedOffset)],
        each: bool,
    ) -> Result<Vec<Result<(), GroupError>>, GroupError> {
        limits::check_group_id(group)?;
        // A consumer-protocol group checks the committer's member epoch (under its lock, held
        // until the commit is queued, as the other kinds' are).
        let consumer = lock(&self.inner.consumer_groups).get(group).cloned();
        let consumer_guard = consumer.as_deref().map(lock);
        let classic = lock(&self.inner.classic).get(group).cloned();
        let classic_guard = classic.as_deref().map(lock);
        let handle = lock(&self.inner.groups).get(group).cloned();
        let guard = handle.as_deref().map(lock);
        if let Some(g) = &consumer_guard {
            g.check_committer(committer)?;
        } else if let Some(g) = &classic_guard {
            // A classic member commits in its generation, not while the leader's assignment is
            // awaited (Kafka's rule); ownership is the leader's business, unknown here.
            match committer {
                Committer::Member {
                    member_id,
                    generation,
                } => {
                    g.check_generation(member_id, None, *generation)?;
                    if g.state() == GroupState::CompletingRebalance {
                        return Err(GroupError::RebalanceInProgress {
                            group: group.to_owned(),
                        });
                    }
                }
                Committer::Standalone => g.refuse_if_members("commit offsets outside of")?,
            }
        } else {
            self.check_native_committer(group, committer, offsets, guard.as_deref())?;
        }
        let max_metadata = self.inner.config.offset_metadata_max_bytes;
        let verdicts: Vec<Result<(), GroupError>> = offsets
            .iter()
            .map(|entry| {
                // A topic deleted under its members (Kafka refuses such commits too): its
                // forgotten offsets must not come back before the group has rebalanced.
                self.check_exists(group, &entry.0)?;
                let one = std::slice::from_ref(entry);
                limits::check_commit(group, one, &*self.inner.resolver, max_metadata)
            })
            .collect();
        if !each && let Some(Err(refused)) = verdicts.iter().find(|v| v.is_err()) {
            return Err(refused.clone());
        }
        let ops: Vec<OffsetOp> = offsets
            .iter()
            .zip(&verdicts)
            .filter(|(_, verdict)| verdict.is_ok())
            .map(|((partition, offset), _)| OffsetOp::Commit {
                partition: partition.clone(),
                offset: offset.clone(),
            })
            .collect();
        if ops.is_empty() {
            return Ok(verdicts);
        }
        // Queued under the group's lock (ordered after any commit a fenced-out owner made
        // before), synced after it is released: heartbeats never wait on the disk.
        let pending = lock(&self.inner.offsets).submit(vec![OffsetBatch {
            group: group.to_owned(),
            ops,
        }]);
        drop(guard);
        drop(classic_guard);
        drop(consumer_guard);
        pending.wait().map_err(storage)?;
        Ok(verdicts)
    }

    /// A native group's committer: a member owns every partition in the current generation; a
    /// standalone committer only writes to a group without members.
    fn check_native_committer(
        &self,
        group: &str,
        committer: &Committer,
        offsets: &[(PartitionName, CommittedOffset)],
        guard: Option<&Group>,
    ) -> Result<(), GroupError> {
        match (committer, guard) {
            (
                Committer::Member {
                    member_id,
                    generation,
                },
                Some(g),
            ) => {
                for (partition, _) in offsets {
                    g.check_owner(member_id, *generation, partition)?;
                }
            }
            (Committer::Member { .. }, None) => {
                return Err(GroupError::UnknownGroup {
                    group: group.to_owned(),
                });
            }
            (Committer::Standalone, _) => {
                if let Some(g) = guard {
                    g.refuse_if_members("commit offsets outside of")?;
                }
            }
        }
        Ok(())
    }

    /// The longest metadata one committed offset may carry (Kafka's `offset.metadata.max.bytes`).
    pub fn offset_metadata_max_bytes(&self) -> usize {
        self.inner.config.offset_metadata_max_bytes
    }

    fn check_exists(&self, group: &str, partition: &PartitionName) -> Result<(), GroupError> {
        match self.inner.catalog.partitions(&partition.topic) {
            Some(count) if partition.partition < count => Ok(()),
            _ => Err(GroupError::UnknownPartition {
                group: group.to_owned(),
                partition: partition.to_string(),
            }),
        }
    }

    /// Checks who reads a group's offsets (OffsetFetch from version 9 names a member and its
    /// epoch): in a consumer-protocol group a named member must be live at its current epoch
    /// (else `UnknownMember` or `StaleMemberEpoch`); a fetcher naming none, and any fetcher of
    /// another kind of group, may read, as in Kafka.
    pub fn check_offset_fetcher(
        &self,
        group: &str,
        member_id: Option<&str>,
        epoch: i32,
    ) -> Result<(), GroupError> {
        let consumer = lock(&self.inner.consumer_groups).get(group).cloned();
        match consumer {
            Some(g) => lock(&g).check_fetcher(member_id, epoch),
            None => Ok(()),
        }
    }

    /// The group's committed offsets: of `partitions`, or all of them; sorted.
    pub fn fetch_offsets(
        &self,
        group: &str,
        partitions: Option<&[PartitionName]>,
    ) -> Vec<(PartitionName, CommittedOffset)> {
        lock(&self.inner.offsets).offsets_of(group, partitions)
    }

    /// Resets an empty group's offsets, resolved by the log; returns them, sorted.
    pub fn reset_offsets(
        &self,
        group: &str,
        scope: &ResetScope,
        to: ResetTo,
    ) -> Result<Vec<(PartitionName, i64)>, GroupError> {
        let classic = lock(&self.inner.classic).get(group).cloned();
        let classic_guard = classic.as_deref().map(lock);
        if let Some(g) = &classic_guard {
            g.refuse_if_members("reset the offsets of")?;
        }
        let consumer = lock(&self.inner.consumer_groups).get(group).cloned();
        let consumer_guard = consumer.as_deref().map(lock);
        if let Some(g) = &consumer_guard {
            g.refuse_if_members("reset the offsets of")?;
        }
        let handle = lock(&self.inner.groups).get(group).cloned();
        let guard = handle.as_deref().map(lock);
        if let Some(g) = &guard {
            g.refuse_if_members("reset the offsets of")?;
        }
        let partitions: Vec<PartitionName> =
            match scope {
                ResetScope::Topics(topics) => {
                    let mut all = Vec::new();
                    for topic in topics {
                        let count = self.inner.catalog.partitions(topic).ok_or_else(|| {
                            GroupError::UnknownPartition {
                                group: group.to_owned(),
                                partition: format!("{topic}-*"),
                            }
                        })?;
                        all.extend((0..count).map(|p| PartitionName::new(topic, p)));
                    }
                    all
                }
                ResetScope::Partitions(partitions) => {
                    for partition in partitions {
                        self.check_exists(group, partition)?;
                    }
                    partitions.clone()
                }
            };
        let resolver = &*self.inner.resolver;
        let mut resolved = Vec::with_capacity(partitions.len());
        for partition in partitions {
            let (t, p) = (partition.topic.as_str(), partition.partition);
            let (offset, what) = match to {
                ResetTo::Earliest => (resolver.earliest(t, p), "its earliest offset".to_owned()),
                ResetTo::Latest => (resolver.latest(t, p), "its latest offset".to_owned()),
                ResetTo::Timestamp(ts) => (
                    resolver.at_timestamp(t, p, ts),
                    format!("the offset at timestamp {ts}"),
                ),
                ResetTo::Offset(o) => {
                    let clamped = resolver
                        .earliest(t, p)
                        .zip(resolver.latest(t, p))
                        .map(|(lo, hi)| o.clamp(lo, hi.max(lo)));
                    (clamped, "its offset range".to_owned())
                }
            };
            let offset = offset.ok_or_else(|| GroupError::OffsetUnavailable {
                group: group.to_owned(),
                partition: partition.to_string(),
                what,
            })?;
            resolved.push((partition, offset));
        }
        resolved.sort();
        resolved.dedup();
        let ops = resolved
            .iter()
            .map(|(partition, offset)| OffsetOp::Commit {
                partition: partition.clone(),
                offset: CommittedOffset {
                    offset: *offset,
                    metadata: None,
                },
            })
            .collect();
        let pending = lock(&self.inner.offsets).submit(vec![OffsetBatch {
            group: group.to_owned(),
            ops,
        }]);
        drop(guard);
        drop(classic_guard);
        drop(consumer_guard);
        pending.wait().map_err(storage)?;
        Ok(resolved)
    }

    /// Forgets an empty group's committed offsets of `topic` (`groups delete-offsets`; refused
    /// while the group has members, or when it has none there). Returns what was forgotten.
    pub fn delete_offsets(
        &self,
        group: &str,
        topic: &str,
    ) -> Result<Vec<(PartitionName, CommittedOffset)>, GroupError> {
        let forgotten = self.forget_offsets(group, |partition| partition.topic == topic)?;
        if forgotten.is_empty() {
            return Err(GroupError::InvalidRequest {
                group: group.to_owned(),
                reason: format!("it has no committed offset on topic {topic:?}"),
            });
        }
        Ok(forgotten)
    }

    /// Forgets an empty group's committed offsets of these partitions (Kafka's OffsetDelete; a
    /// partition without one is no error). Returns what was forgotten.
    pub fn delete_partition_offsets(
        &self,
        group: &str,
        partitions: &[PartitionName],
    ) -> Result<Vec<(PartitionName, CommittedOffset)>, GroupError> {
        self.forget_offsets(group, |partition| partitions.contains(partition))
    }

    /// Forgets the committed offsets of an empty group's partitions that `select` picks.
    fn forget_offsets(
        &self,
        group: &str,
        select: impl Fn(&PartitionName) -> bool,
    ) -> Result<Vec<(PartitionName, CommittedOffset)>, GroupError> {
        let classic = lock(&self.inner.classic).get(group).cloned();
        let classic_guard = classic.as_deref().map(lock);
        if let Some(g) = &classic_guard {
            g.refuse_if_members("delete the offsets of")?;
        }
        let consumer = lock(&self.inner.consumer_groups).get(group).cloned();
        let consumer_guard = consumer.as_deref().map(lock);
        if let Some(g) = &consumer_guard {
            g.refuse_if_members("delete the offsets of")?;
        }
        let handle = lock(&self.inner.groups).get(group).cloned();
        let guard = handle.as_deref().map(lock);
        if let Some(g) = &guard {
            g.refuse_if_members("delete the offsets of")?;
        }
        let offsets = lock(&self.inner.offsets);
        if guard.is_none() && classic_guard.is_none() && consumer_guard.is_none() && !offsets.has_group(group)
        {
            return Err(GroupError::UnknownGroup {
                group: group.to_owned(),
            });
        }
        let forgotten: Vec<_> = offsets
            .offsets_of(group, None)
            .into_iter()
            .filter(|(partition, _)| select(partition))
            .collect();
        if forgotten.is_empty() {
            return Ok(forgotten);
        }
        let ops = forgotten
            .iter()
            .map(|(partition, _)| OffsetOp::Delete {
                partition: partition.clone(),
            })
            .collect();
        let pending = offsets.submit(vec![OffsetBatch {
            group: group.to_owned(),
            ops,
        }]);
        drop(offsets);
        drop(guard);
        drop(classic_guard);
        drop(consumer_guard);
        pending.wait().map_err(storage)?;
        Ok(forgotten)
    }

    /// The log deleted `topic`: every group forgets its committed offsets there (as Kafka
    /// does), so a topic created again under the name starts afresh.
    pub fn topic_deleted(&self, topic: &str) -> Result<(), GroupError> {
        let offsets = lock(&self.inner.offsets);
        let pending = offsets.submit(offsets.deletions_of_topic(topic, None));
        drop(offsets);
        pending.wait().map_err(storage)
    }
}
