//! `range`: Kafka's RangeAssignor.
//!
//! Per topic, the members subscribed to it are sorted (static members first, by instance id, then
//! the rest by member id, as Kafka's `MemberInfo` orders them) and the partitions are cut into
//! contiguous ranges; the first `partitions % members` members get one more.

use regroup_assignor_api::model::*;
use regroup_assignor_api::{AssignError, Assignor};

#[derive(Debug, Default, Clone, Copy)]
pub struct RangeAssignor;

/// Kafka's member order: static members (by instance id) before dynamic ones (by member id).
pub fn kafka_member_order(a: &Member, b: &Member) -> std::cmp::Ordering {
    match (&a.instance_id, &b.instance_id) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.id.cmp(&b.id),
    }
}

impl Assignor for RangeAssignor {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new(
            "range",
            env!("CARGO_PKG_VERSION"),
            "Kafka's RangeAssignor: contiguous ranges of each topic to its sorted subscribers",
            &[Protocol::Eager],
        )
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        let mut order: Vec<usize> = (0..group.members.len()).collect();
        order.sort_by(|&a, &b| kafka_member_order(&group.members[a], &group.members[b]));
        // Subscribers per topic, already in Kafka's member order.
        let mut subscribers: Vec<Vec<usize>> = vec![Vec::new(); group.topics.len()];
        for &m in &order {
            for t in &group.members[m].topics {
                subscribers[t.index()].push(m);
            }
        }
        let mut out = Assignment::empty_for(group);
        for (t, members) in subscribers.iter().enumerate().filter(|(_, m)| !m.is_empty()) {
            let topic = TopicId(t as u32);
            let partitions = group.topic(topic).partitions;
            let (each, extra) = (partitions / members.len() as u32, partitions % members.len() as u32);
            for (i, &m) in members.iter().enumerate() {
                let i = i as u32;
                let start = each * i + i.min(extra);
                let len = each + u32::from(i < extra);
                out.members[m].partitions.extend((start..start + len).map(|p| TopicPartition::new(topic, p)));
            }
        }
        Ok(out)
    }
}

regroup_assignor_api::export_assignor!(RangeAssignor);

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_assignor_api::kit;

    fn names(group: &GroupSpec, out: &Assignment, member: &str) -> Vec<String> {
        out.partitions_of(member).unwrap().iter().map(|tp| group.display(*tp)).collect()
    }

    #[test]
    fn splits_each_topic_into_contiguous_ranges_first_members_get_the_extra() {
        let g = GroupSpec::builder().topic("t1", 3).topic("t2", 3).member("c0", &["t1", "t2"]).member("c1", &["t1", "t2"]).build();
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert_eq!(names(&g, &out, "c0"), ["t1-0", "t1-1", "t2-0", "t2-1"]);
        assert_eq!(names(&g, &out, "c1"), ["t1-2", "t2-2"]);
    }

    #[test]
    fn static_members_sort_by_instance_id_before_dynamic_members() {
        let g = GroupSpec::builder()
            .topic("t", 3)
            .member("a-dynamic", &["t"])
            .member("z-static", &["t"])
            .instance_id("i1")
            .member("b-static", &["t"])
            .instance_id("i2")
            .build();
        let out = RangeAssignor.assign(&g).unwrap();
        assert_eq!(names(&g, &out, "z-static"), ["t-0"]);
        assert_eq!(names(&g, &out, "b-static"), ["t-1"]);
        assert_eq!(names(&g, &out, "a-dynamic"), ["t-2"]);
    }

    #[test]
    fn a_member_with_no_topics_gets_nothing_and_empty_topics_are_fine() {
        let g = GroupSpec::builder().topic("t", 0).member("c0", &["t"]).member("c1", &[]).build();
        let out = RangeAssignor.assign(&g).unwrap();
        kit::validate(&g, &out).unwrap();
        assert!(out.members.iter().all(|m| m.partitions.is_empty()));
    }
}
