//! `cooperative-sticky`: Kafka's CooperativeStickyAssignor.
//!
//! The assignment is exactly `sticky`'s: as balanced as possible, then as many owned partitions
//! kept as possible, claims resolved by the highest generation, rack aware under KIP-881. The
//! algorithm is one source file, `plugins/sticky/src/algorithm.rs`, compiled into both crates:
//! a plugin crate must not link another plugin crate, whose exported root module would ride
//! along in this library (the registry rejects a file with two).
//!
//! The strategy supports both protocols, as Kafka's does (`COOPERATIVE` first, then `EAGER`).
//! Under the cooperative protocol a partition that changes owner must first be revoked by its
//! current owner and only then handed to its new one. Kafka's assignor does that itself (it drops
//! such partitions from this round and relies on a follow-up rebalance); in Regroup the
//! coordinator does it, so this assignor returns the full target and the coordinator holds back
//! the partitions still owned by someone else.
//!
//! Kafka's cooperative assignor reads the generation from its user data or from the
//! subscription; Regroup members report it in [`Member::owned_generation`](regroup_assignor_api::Member).

use regroup_assignor_api::model::*;
use regroup_assignor_api::{AssignError, Assignor};

#[path = "../../sticky/src/algorithm.rs"]
mod algorithm;

#[derive(Debug, Default, Clone, Copy)]
pub struct CooperativeStickyAssignor;

impl Assignor for CooperativeStickyAssignor {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new(
            "cooperative-sticky",
            env!("CARGO_PKG_VERSION"),
            "Kafka's CooperativeStickyAssignor: the sticky assignment, with cooperative rebalancing",
            &[Protocol::Cooperative, Protocol::Eager],
        )
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        algorithm::assign(group)
    }
}

regroup_assignor_api::export_assignor!(CooperativeStickyAssignor);

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_assignor_api::kit;

    #[test]
    fn supports_cooperative_first_and_eager() {
        let info = CooperativeStickyAssignor.info();
        assert_eq!(info.name, "cooperative-sticky");
        assert_eq!(info.protocols, [Protocol::Cooperative, Protocol::Eager]);
    }

    #[test]
    fn a_new_member_receives_the_target_including_partitions_still_owned_elsewhere() {
        // The coordinator, not the assignor, delays handing over t-2 until consumer1 revokes it.
        let g = GroupSpec::builder()
            .protocol(Protocol::Cooperative)
            .topic("t", 3)
            .member("consumer1", &["t"])
            .owned(&[("t", 0), ("t", 1), ("t", 2)], Some(1))
            .member("consumer2", &["t"])
            .owned(&[], Some(1))
            .build();
        let out = CooperativeStickyAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(out.partitions_of("consumer2").unwrap().len(), 1);
        assert_eq!(kit::movement(&g, &out), 1);
    }

    #[test]
    fn the_stale_generation_loses_a_conflicting_claim() {
        let g = GroupSpec::builder()
            .protocol(Protocol::Cooperative)
            .topic("t", 2)
            .member("a", &["t"])
            .owned(&[("t", 0)], Some(3))
            .member("b", &["t"])
            .owned(&[("t", 0), ("t", 1)], Some(2))
            .build();
        let out = CooperativeStickyAssignor.assign(&g).unwrap();
        assert_eq!(
            out.partitions_of("a").unwrap(),
            [TopicPartition::new(TopicId(0), 0)]
        );
        assert_eq!(
            out.partitions_of("b").unwrap(),
            [TopicPartition::new(TopicId(0), 1)]
        );
    }
}
