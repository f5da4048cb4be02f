//! `roundrobin`: Kafka's RoundRobinAssignor.
//!
//! Every partition of every subscribed topic is laid out in one list, sorted by topic name then
//! partition number. The members are sorted in Kafka's order (static members first, by instance
//! id, then dynamic members by member id; see [`kafka_member_order`]) and walked as
//! a circular list: each partition goes to the next member in the circle that subscribes to the
//! partition's topic, and the circle moves on past that member.
//!
//! With identical subscriptions the counts differ by at most one. With different subscriptions
//! the result can be unbalanced, exactly as in Kafka (that is what `sticky` is for).
//!
//! Differences from Kafka: none in the result. Kafka steps through non-subscribers one at a time;
//! here each topic keeps its subscribers' positions in the circle: its partitions cycle through
//! them from the first at or after the circle's position, found once per topic by binary search,
//! so a partition costs `O(1)`, not `O(members)`. Each member's list is counted first and
//! reserved once.

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
        // Subscribers per topic, counted first: a topic every member subscribes to needs no list.
        let counts: Vec<usize> = group
            .subscriber_counts()?
            .into_iter()
            .map(|c| c as usize)
            .collect();
        // For each other topic, the positions in the circle of its subscribers, ascending and
        // distinct (a position listed twice is skipped the second time in Kafka's walk too).
        let mut subscribers: Vec<Vec<u32>> = counts
            .iter()
            .map(|&c| match c {
                c if c == member_count => Vec::new(),
                c => Vec::with_capacity(c),
            })
            .collect();
        for (position, &m) in circle.iter().enumerate() {
            for t in &group.members[m].topics {
                if counts[t.index()] != member_count {
                    subscribers[t.index()].push(position as u32);
                }
            }
        }
        subscribers.iter_mut().for_each(Vec::dedup);

        // Kafka's walk, per topic: its partitions go to its subscribers in circle order, starting
        // at the first one at or after `next` and cycling through them. So a topic is one deal:
        // where it starts in its subscriber list is all that needs finding. The first pass finds
        // the starts and counts what each position receives, to reserve each list once.
        let mut deals: Vec<Deal> = Vec::new();
        let mut per_position = vec![0usize; member_count];
        // From topics every member subscribes to: `every` partitions to each position, plus one
        // more to a range of positions (a difference array over them).
        let mut every = 0usize;
        let mut one_more = vec![0isize; member_count + 1];
        // Position in the circle of the next member to look at.
        let mut next = 0usize;
        // Topics in name order (TopicId order), partitions ascending: Kafka's sorted partition list.
        for (t, &count) in counts.iter().enumerate() {
            let partitions = group.topics[t].partitions as usize;
            if count == 0 || partitions == 0 {
                continue;
            }
            let (cycle, first) = if count == member_count {
                (member_count, next)
            } else {
                let subs = &subscribers[t];
                let i = subs.partition_point(|&p| (p as usize) < next);
                (subs.len(), if i == subs.len() { 0 } else { i })
            };
            let (each, rem) = (partitions / cycle, partitions % cycle);
            let last = (first + partitions - 1) % cycle;
            if count == member_count {
                every += each;
                let end = first + rem;
                one_more[first] += 1;
                if end <= cycle {
                    one_more[end] -= 1;
                } else {
                    one_more[cycle] -= 1;
                    one_more[0] += 1;
                    one_more[end - cycle] -= 1;
                }
                next = (last + 1) % member_count;
            } else {
                let subs = &subscribers[t];
                for (k, &p) in subs.iter().enumerate() {
                    let offset = (k + cycle - first) % cycle;
                    per_position[p as usize] += each + usize::from(offset < rem);
                }
                next = (subs[last] as usize + 1) % member_count;
            }
            deals.push(Deal {
                topic: TopicId(t as u32),
                partitions: partitions as u32,
                first,
            });
        }

        let mut out = Assignment::empty_for(group);
        let mut extra = 0isize;
        for (position, &m) in circle.iter().enumerate() {
            extra += one_more[position];
            let total = per_position[position] + every + extra as usize;
            out.members[m].partitions.reserve_exact(total);
        }
        if subscribers.iter().all(Vec::is_empty) {
            // Every dealt topic goes to every member: fill member by member, each list written
            // once in topic order. Position `q` gets partitions `k` with `(first + k) % M == q`.
            // (No `%` and no iterator per deal: this loop runs members x topics times.)
            for (position, &m) in circle.iter().enumerate() {
                let partitions = &mut out.members[m].partitions;
                for deal in &deals {
                    let k0 = if position >= deal.first {
                        position - deal.first
                    } else {
                        position + member_count - deal.first
                    };
                    let mut p = k0 as u32;
                    while p < deal.partitions {
                        partitions.push(TopicPartition::new(deal.topic, p));
                        p += member_count as u32;
                    }
                }
            }
            return Ok(out);
        }
        for deal in &deals {
            let topic = deal.topic;
            let subs = &subscribers[topic.index()];
            if subs.is_empty() {
                // Every member subscribes: the deal walks the circle itself.
                let mut position = deal.first;
                for partition in 0..deal.partitions {
                    out.members[circle[position]]
                        .partitions
                        .push(TopicPartition::new(topic, partition));
                    position += 1;
                    if position == member_count {
                        position = 0;
                    }
                }
            } else {
                let mut k = deal.first;
                for partition in 0..deal.partitions {
                    out.members[circle[subs[k] as usize]]
                        .partitions
                        .push(TopicPartition::new(topic, partition));
                    k += 1;
                    if k == subs.len() {
                        k = 0;
                    }
                }
            }
        }
        Ok(out)
    }
}

/// One topic's partitions, dealt in turn to its subscribers from the `first` of them (an index
/// into its subscriber list, or a circle position when every member subscribes).
struct Deal {
    topic: TopicId,
    partitions: u32,
    first: usize,
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
        g.members[0].topics = g.members[0].topics.iter().copied().chain([TopicId(9)]).collect();
        assert!(
            RoundRobinAssignor
                .assign(&g)
                .unwrap_err()
                .to_string()
                .contains("unknown topic #9")
        );
    }
}
