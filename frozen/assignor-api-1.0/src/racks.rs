//! Racks for rack-aware assignors (Kafka's KIP-881): rack names interned as small integers, and
//! Kafka's rule for when rack-aware assignment applies at all.
//!
//! ```
//! use regroup_assignor_api::model::GroupSpec;
//! use regroup_assignor_api::racks::{RackIds, use_rack_aware_assignment};
//! let spec = GroupSpec::builder()
//!     .topic_with_racks("t", vec![vec!["a".into()], vec!["b".into()]])
//!     .member("m", &["t"])
//!     .rack("a")
//!     .build();
//! let (mut ids, member) = RackIds::members(&spec).unwrap();
//! let mut partitions = vec![Vec::new(); 2];
//! for (p, racks) in partitions.iter_mut().enumerate() {
//!     ids.push_replicas(&spec.topics[0], p, racks);
//! }
//! assert_eq!(partitions, [[member[0].unwrap()], [1]]);
//! assert!(use_rack_aware_assignment(member.iter().flatten().copied(), partitions.iter().map(Vec::as_slice)));
//! ```

use std::collections::HashMap;

use crate::model::{GroupSpec, Topic};

/// Rack names interned as `u32`s: equal names, equal ids. Empty names are no rack.
#[derive(Debug, Clone, Default)]
pub struct RackIds<'a> {
    ids: HashMap<&'a str, u32>,
}

impl<'a> RackIds<'a> {
    /// Interns the members' racks first, in member order, and gives each member's rack id (`None`
    /// when it states none, or an empty one): right after this call every id below
    /// [`len`](Self::len) is a member's rack. `None` when no member states a rack: rack-aware
    /// assignment is then off, whatever the partitions say.
    pub fn members(group: &'a GroupSpec) -> Option<(RackIds<'a>, Vec<Option<u32>>)> {
        let mut ids = RackIds::default();
        let member: Vec<Option<u32>> = group
            .members
            .iter()
            .map(|m| m.rack.as_deref().filter(|r| !r.is_empty()).map(|r| ids.intern(r)))
            .collect();
        member.iter().any(Option::is_some).then_some((ids, member))
    }

    /// The id of `name`, a new one if it was not seen yet.
    pub fn intern(&mut self, name: &'a str) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(name).or_insert(next)
    }

    /// How many distinct racks were interned.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Appends to `out` the distinct racks holding a replica of partition `p` of `topic`, interned,
    /// in the order the topic lists them; nothing when they are unknown.
    pub fn push_replicas(&mut self, topic: &'a Topic, p: usize, out: &mut Vec<u32>) {
        let Some(replicas) = topic.replica_racks.as_ref().and_then(|all| all.get(p)) else {
            return;
        };
        let first = out.len();
        for rack in replicas.iter().filter(|r| !r.is_empty()) {
            let id = self.intern(rack);
            if !out[first..].contains(&id) {
                out.push(id);
            }
        }
    }
}

/// Kafka's `useRackAwareAssignment` (KIP-881): rack-aware assignment makes a difference when
/// some member's rack holds a replica of some partition, and the partitions do not all have
/// replicas on every rack that holds any. `member_racks` are the members' rack ids;
/// `partition_racks` each partition's distinct replica rack ids (as
/// [`RackIds::push_replicas`] gives them). Linear in both.
pub fn use_rack_aware_assignment<'p, P>(
    member_racks: impl IntoIterator<Item = u32>,
    partition_racks: P,
) -> bool
where
    P: IntoIterator<Item = &'p [u32]>,
    P::IntoIter: Clone,
{
    let mut partitions = partition_racks.into_iter();
    let mut on: Vec<bool> = Vec::new();
    for &r in partitions.clone().flatten() {
        if on.len() <= r as usize {
            on.resize(r as usize + 1, false);
        }
        on[r as usize] = true;
    }
    let all = on.iter().filter(|&&x| x).count();
    member_racks
        .into_iter()
        .any(|r| on.get(r as usize).copied().unwrap_or(false))
        && partitions.any(|racks| racks.len() != all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_rule() {
        let (a, b, c) = (0, 1, 2);
        // A member rack holds replicas, and racks are uneven: on.
        assert!(use_rack_aware_assignment([a], [&[a][..], &[b]]));
        // No member rack holds a replica: off.
        assert!(!use_rack_aware_assignment([c], [&[a][..], &[b]]));
        // Every partition on every rack: off.
        assert!(!use_rack_aware_assignment([a], [&[a, b][..], &[b, a]]));
        // A partition with unknown racks makes them uneven.
        assert!(use_rack_aware_assignment([a], [&[a][..], &[]]));
        // No replica racks at all, or no member racks: off.
        assert!(!use_rack_aware_assignment([a], [&[][..], &[]]));
        assert!(!use_rack_aware_assignment([], [&[a][..], &[b]]));
    }

    #[test]
    fn members_first_empty_names_are_no_rack_and_replicas_are_distinct() {
        let spec = GroupSpec::builder()
            .topic_with_racks(
                "t",
                vec![vec!["z".into(), "".into(), "z".into(), "b".into()], vec![]],
            )
            .topic("u", 1)
            .member("m0", &["t"])
            .rack("b")
            .member("m1", &["t"])
            .rack("")
            .member("m2", &["t"])
            .build();
        let (mut ids, member) = RackIds::members(&spec).unwrap();
        assert_eq!(member, [Some(0), None, None]);
        assert_eq!(ids.len(), 1);
        let mut out = vec![7];
        ids.push_replicas(&spec.topics[0], 0, &mut out);
        ids.push_replicas(&spec.topics[0], 1, &mut out);
        ids.push_replicas(&spec.topics[1], 0, &mut out);
        assert_eq!(out, [7, 1, 0]);
        let none = GroupSpec::builder().member("m", &[]).rack("").build();
        assert!(RackIds::members(&none).is_none());
    }
}
