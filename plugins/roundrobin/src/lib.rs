//! `roundrobin`: Kafka's RoundRobinAssignor.
//!
//! Every partition of every subscribed topic is laid out in one list, sorted by topic name then
//! partition number. The members are sorted in Kafka's order (static members first, by instance
//! id, then dynamic members by member id; see [`kafka_member_order`](regroup_assignor_api::model::kafka_member_order)) and walked as
//! a circular list: each partition goes to the next member in the circle that subscribes to the
//! partition's topic, and the circle moves on past that member.
//!
//! With identical subscriptions the counts differ by at most one. With different subscriptions
//! the result can be unbalanced, exactly as in Kafka (that is what `sticky` is for).
//!
//! Differences from Kafka: none in the result. Kafka steps through non-subscribers one at a time;
//! here each topic keeps its subscribers' positions in the circle and the next one is found by
//! binary search, so a topic with few subscribers costs `O(log members)` per partition, not
//! `O(members)`.

use regroup_assignor_api::model::*;
use regroup_assignor_api::{AssignError, Assignor};

#[derive(Debug, Default, Clone, Copy)]
pub struct RoundRobinAssignor;

impl Assignor for RoundRobinAssignor {
    fn info(&self) -> AssignorInfo {
        AssignorInfo::new(
            "roundrobin",
            env!("CARGO_PKG_VERSION"),
            "Kafka's RoundRobinAssignor: all partitions dealt in turn to the sorted members",
            &[Protocol::Eager],
        )
    }

    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
        let member_count = group.members.len();
        // The circle: spec indices in Kafka's member order.
        let mut circle: Vec<usize> = (0..member_count).collect();
        circle.sort_by(|&a, &b| kafka_member_order(&group.members[a], &group.members[b]));
        // For each topic, the positions in the circle of its subscribers, ascending.
        let mut subscribers: Vec<Vec<u32>> = vec![Vec::new(); group.topics.len()];
        for (position, &m) in circle.iter().enumerate() {
            for t in &group.members[m].topics {
                let list = subscribers.get_mut(t.index()).ok_or_else(|| {
                    format!(
                        "member {:?} subscribes to unknown topic #{}",
                        group.members[m].id, t.0
                    )
                })?;
                list.push(position as u32);
            }
        }

        let mut out = Assignment::empty_for(group);
        // Position in the circle of the next member to look at.
        let mut next = 0usize;
        // Topics in name order (TopicId order), partitions ascending: Kafka's sorted partition list.
        for (t, subs) in subscribers.iter().enumerate() {
            if subs.is_empty() {
                continue;
            }
            let topic = TopicId(t as u32);
            let all_subscribe = subs.len() == member_count;
            for partition in 0..group.topic(topic).partitions {
                // The first subscriber at or after `next`, wrapping around the circle.
                let position = if all_subscribe {
                    next
                } else {
                    let i = subs.partition_point(|&p| (p as usize) < next);
                    subs.get(i).copied().unwrap_or(subs[0]) as usize
                };
                out.members[circle[position]]
                    .partitions
                    .push(TopicPartition::new(topic, partition));
                next = (position + 1) % member_count;
            }
        }
        Ok(out)
    }
}

regroup_assignor_api::export_assignor!(RoundRobinAssignor);

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_assignor_api::kit;

    fn run(group: &GroupSpec) -> Assignment {
        let out = RoundRobinAssignor.assign(group).unwrap();
        kit::validate(group, &out).unwrap();
        out
    }

    #[test]
    fn one_consumer_with_no_topics_gets_nothing() {
        let g = GroupSpec::builder().member("consumer", &[]).build();
        let out = run(&g);
        assert!(kit::partition_names(&g, &out, "consumer").is_empty());
    }

    #[test]
    fn one_consumer_of_a_topic_with_zero_partitions_gets_nothing() {
        let g = GroupSpec::builder()
            .topic("topic", 0)
            .member("consumer", &["topic"])
            .build();
        let out = run(&g);
        assert!(kit::partition_names(&g, &out, "consumer").is_empty());
    }

    #[test]
    fn one_consumer_gets_every_partition_of_its_topic() {
        let g = GroupSpec::builder()
            .topic("topic", 3)
            .member("consumer", &["topic"])
            .build();
        assert_eq!(
            kit::partition_names(&g, &run(&g), "consumer"),
            ["topic-0", "topic-1", "topic-2"]
        );
    }

    #[test]
    fn only_partitions_of_subscribed_topics_are_assigned() {
        let g = GroupSpec::builder()
            .topic("topic", 3)
            .topic("other", 3)
            .member("consumer", &["topic"])
            .build();
        assert_eq!(
            kit::partition_names(&g, &run(&g), "consumer"),
            ["topic-0", "topic-1", "topic-2"]
        );
    }

    #[test]
    fn one_consumer_multiple_topics_in_name_order() {
        let g = GroupSpec::builder()
            .topic("topic1", 1)
            .topic("topic2", 2)
            .member("consumer", &["topic1", "topic2"])
            .build();
        assert_eq!(
            kit::partition_names(&g, &run(&g), "consumer"),
            ["topic1-0", "topic2-0", "topic2-1"]
        );
    }

    #[test]
    fn two_consumers_one_topic_one_partition_first_member_gets_it() {
        let g = GroupSpec::builder()
            .topic("topic", 1)
            .member("consumer1", &["topic"])
            .member("consumer2", &["topic"])
            .build();
        let out = run(&g);
        assert_eq!(kit::partition_names(&g, &out, "consumer1"), ["topic-0"]);
        assert!(kit::partition_names(&g, &out, "consumer2").is_empty());
    }

    #[test]
    fn two_consumers_one_topic_two_partitions_one_each() {
        let g = GroupSpec::builder()
            .topic("topic", 2)
            .member("consumer1", &["topic"])
            .member("consumer2", &["topic"])
            .build();
        let out = run(&g);
        assert_eq!(kit::partition_names(&g, &out, "consumer1"), ["topic-0"]);
        assert_eq!(kit::partition_names(&g, &out, "consumer2"), ["topic-1"]);
    }

    #[test]
    fn mixed_subscriptions_skip_members_not_subscribed() {
        // Kafka's testMultipleConsumersMixedTopicSubscriptions.
        let g = GroupSpec::builder()
            .topic("topic1", 3)
            .topic("topic2", 2)
            .member("consumer1", &["topic1"])
            .member("consumer2", &["topic1", "topic2"])
            .member("consumer3", &["topic1"])
            .build();
        let out = run(&g);
        assert_eq!(kit::partition_names(&g, &out, "consumer1"), ["topic1-0"]);
        assert_eq!(
            kit::partition_names(&g, &out, "consumer2"),
            ["topic1-1", "topic2-0", "topic2-1"]
        );
        assert_eq!(kit::partition_names(&g, &out, "consumer3"), ["topic1-2"]);
    }

    #[test]
    fn two_consumers_two_topics_six_partitions_alternate() {
        let g = GroupSpec::builder()
            .topic("topic1", 3)
            .topic("topic2", 3)
            .member("consumer1", &["topic1", "topic2"])
            .member("consumer2", &["topic1", "topic2"])
            .build();
        let out = run(&g);
        assert_eq!(
            kit::partition_names(&g, &out, "consumer1"),
            ["topic1-0", "topic1-2", "topic2-1"]
        );
        assert_eq!(
            kit::partition_names(&g, &out, "consumer2"),
            ["topic1-1", "topic2-0", "topic2-2"]
        );
    }

    #[test]
    fn the_circle_carries_on_across_topics_with_uneven_subscriptions() {
        // Kafka's testTwoConsumersTwoTopicsSixPartitions with uneven subscriptions:
        // c0 takes t1 and t2, c1 only t2. t1 goes to c0 entirely; t2 alternates starting after c0.
        let g = GroupSpec::builder()
            .topic("t1", 3)
            .topic("t2", 3)
            .member("c0", &["t1", "t2"])
            .member("c1", &["t2"])
            .build();
        let out = run(&g);
        assert_eq!(
            kit::partition_names(&g, &out, "c0"),
            ["t1-0", "t1-1", "t1-2", "t2-1"]
        );
        assert_eq!(kit::partition_names(&g, &out, "c1"), ["t2-0", "t2-2"]);
    }

    #[test]
    fn static_members_keep_their_partitions_when_member_ids_change() {
        // Kafka's testStaticMemberRoundRobinAssignmentPersistent: instance ids decide the order,
        // so new member ids after a restart do not reshuffle the assignment.
        let build = |ids: [&str; 3]| {
            GroupSpec::builder()
                .topic("t1", 3)
                .topic("t2", 3)
                .member(ids[0], &["t1", "t2"])
                .instance_id("instance1")
                .member(ids[1], &["t1", "t2"])
                .instance_id("instance2")
                .member(ids[2], &["t1", "t2"])
                .build()
        };
        let before = build(["consumer-b", "consumer-a", "consumer-z"]);
        let after = build(["consumer-y", "consumer-x", "consumer-z"]);
        let (b, a) = (run(&before), run(&after));
        for i in 0..3 {
            assert_eq!(b.members[i].partitions, a.members[i].partitions);
        }
        // instance1 first, instance2 second, the dynamic member last.
        assert_eq!(kit::partition_names(&before, &b, "consumer-b"), ["t1-0", "t2-0"]);
        assert_eq!(kit::partition_names(&before, &b, "consumer-a"), ["t1-1", "t2-1"]);
        assert_eq!(kit::partition_names(&before, &b, "consumer-z"), ["t1-2", "t2-2"]);
    }

    #[test]
    fn a_member_leaving_reshuffles_round_robin() {
        let g = GroupSpec::builder()
            .topic("t", 4)
            .member("a", &["t"])
            .member("b", &["t"])
            .member("c", &["t"])
            .build();
        let out = run(&g);
        assert_eq!(kit::partition_names(&g, &out, "a"), ["t-0", "t-3"]);
        let g = GroupSpec::builder()
            .topic("t", 4)
            .member("b", &["t"])
            .member("c", &["t"])
            .build();
        let out = run(&g);
        assert_eq!(kit::partition_names(&g, &out, "b"), ["t-0", "t-2"]);
        assert_eq!(kit::partition_names(&g, &out, "c"), ["t-1", "t-3"]);
    }

    #[test]
    fn an_unknown_topic_id_is_an_error_not_a_panic() {
        let mut g = GroupSpec::builder().topic("t", 1).member("a", &["t"]).build();
        g.members[0].topics.push(TopicId(9));
        assert!(
            RoundRobinAssignor
                .assign(&g)
                .unwrap_err()
                .to_string()
                .contains("unknown topic #9")
        );
    }
}
