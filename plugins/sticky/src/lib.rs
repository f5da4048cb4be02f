//! `sticky`: Kafka's StickyAssignor (the algorithm of Kafka's `AbstractStickyAssignor`).
//!
//! Goals, in order: the assignment is as balanced as possible, then as many partitions as
//! possible stay with the member that owned them. Balanced means: with identical subscriptions,
//! partition counts differ by at most one; otherwise, no partition can move to a subscriber that
//! holds two fewer partitions than its current owner (Kafka's `isBalanced`).
//!
//! Ownership comes from the model: each member reports `owned` and `owned_generation` (Kafka
//! carries these in the sticky user data or the subscription). A member without a generation has
//! Kafka's default generation, -1. When several members claim a partition, the claimant of the
//! highest generation keeps it; if two or more share that highest generation, none keeps it (Kafka
//! logs an error and revokes it). Claims of partitions that no longer exist, or of topics no member
//! subscribes to, are dropped; a claim on a topic the claimant no longer subscribes to is revoked.
//!
//! Two code paths, as in Kafka:
//! - identical subscriptions ("constrained"): quotas `floor(P/M)` and `ceil(P/M)`; members keep
//!   owned partitions up to their quota (by partition number, then topic, as Kafka picks them),
//!   the rest are dealt round-robin to the members under quota, sorted by member id;
//! - other subscriptions ("general"): keep owned partitions, give each unassigned partition
//!   (topics with the fewest subscribers first) to its least-loaded subscriber, then move
//!   partitions from the most loaded members until balanced, moving partitions they did not own
//!   before first and returning a partition to its owner of an older generation when possible.
//!
//! Rack awareness (KIP-881): when members state racks and partitions list replica racks, and the
//! racks make a difference (some member rack holds replicas, and not every partition has replicas
//! on every rack), owned partitions are only kept on a replica's rack (as in Kafka, an owned
//! partition off its owner's rack is given up even when no subscriber sits on a replica's rack)
//! and unassigned partitions go to members on a replica's rack first, always within the balance
//! above. Without rack information the result is exactly the rack-less result.
//!
//! Differences from Kafka, all deliberate:
//! - Kafka visits members in Java `HashMap` order where it matters (which of several members that
//!   own more than `minQuota` may keep `maxQuota`); Regroup visits them by member id, so the
//!   result is deterministic. Counts, balance and the number of moves are the same.
//! - Kafka's general balancing walks partitions and can move an owned partition where moving a
//!   fresh one would do; Regroup always moves from the most loaded member, fresh partitions first.
//!   Both end balanced in Kafka's sense; Regroup's choice never moves more.
//! - Kafka's rack-aware constrained step can give more members `maxQuota` than the total allows
//!   and then fail (`IllegalStateException`); Regroup counts them and stays within the quotas.
//! - Resolving conflicting claims does not depend on the order members are listed in.
//! - Kafka's eager StickyAssignor reads previous ownership only from its own user data (it
//!   ignores the subscription's owned partitions); here the host supplies ownership in the model
//!   for both sticky strategies, so `sticky` behaves like Kafka's StickyAssignor fed that data.
//! - The assignor returns the full target. For cooperative rebalancing the coordinator, not the
//!   assignor, holds back partitions that must first be revoked by their current owner.

pub mod algorithm;

use regroup_assignor_api::model::*;
use regroup_assignor_api::{AssignError, Assignor};

pub use algorithm::{DEFAULT_GENERATION, assign};

#[derive(Debug, Default, Clone, Copy)]
pub struct StickyAssignor;

impl Assignor for StickyAssignor {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new(
            "sticky",
            env!("CARGO_PKG_VERSION"),
            "Kafka's StickyAssignor: as balanced as possible, then as few moves as possible",
            &[Protocol::Eager],
        )
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        algorithm::assign(group)
    }
}

regroup_assignor_api::export_assignor!(StickyAssignor);

#[cfg(test)]
mod tests;
