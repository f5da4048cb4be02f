//! Invariants of `capacity-weighted` over random groups.

use proptest::prelude::*;
use regroup_assignor_api::model::*;
use regroup_assignor_api::{Assignor, kit};
use regroup_capacity_weighted::CapacityWeightedAssignor;

/// Up to 5 topics, up to 7 members with capacities 1..=5, random subscriptions (all topics when
/// `uniform`), and a valid previous assignment (each partition owned by at most one subscriber).
fn group(uniform: bool) -> impl Strategy<Value = GroupSpec> {
    (
        prop::collection::vec(0u32..15, 1..5),
        prop::collection::vec((1u64..6, prop::collection::vec(any::<bool>(), 5)), 1..7),
        prop::collection::vec(0usize..14, 75),
    )
        .prop_map(move |(partitions, members, owners)| {
            let names: Vec<String> = (0..partitions.len()).map(|t| format!("t{t}")).collect();
            let subs: Vec<Vec<&str>> = members
                .iter()
                .map(|(_, s)| {
                    names
                        .iter()
                        .enumerate()
                        .filter(|(t, _)| uniform || s[*t])
                        .map(|(_, n)| n.as_str())
                        .collect()
                })
                .collect();
            let mut owned: Vec<Vec<(&str, u32)>> = vec![Vec::new(); members.len()];
            let mut k = 0;
            for (t, &n) in partitions.iter().enumerate() {
                for p in 0..n {
                    let o = owners[k % owners.len()];
                    k += 1;
                    if o < members.len() && subs[o].contains(&names[t].as_str()) {
                        owned[o].push((names[t].as_str(), p));
                    }
                }
            }
            let mut b = GroupSpec::builder();
            for (n, &p) in names.iter().zip(&partitions) {
                b = b.topic(n, p);
            }
            for (i, (cap, _)) in members.iter().enumerate() {
                b = b
                    .member(&format!("m{i}"), &subs[i])
                    .user_data(format!("capacity={cap}").as_bytes())
                    .owned(&owned[i], Some(1));
            }
            b.build()
        })
}

proptest! {
    #[test]
    fn always_valid(g in group(false)) {
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok(), "{:?}", kit::validate(&g, &out));
    }

    #[test]
    fn uniform_counts_are_within_one_of_the_exact_share(g in group(true)) {
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok());
        let total: f64 = g.topics.iter().map(|t| t.partitions as f64).sum();
        let caps: Vec<f64> = g.members.iter().map(|m| std::str::from_utf8(&m.user_data).unwrap()[9..].parse().unwrap()).collect();
        let sum: f64 = caps.iter().sum();
        for (m, c) in out.members.iter().zip(&caps) {
            let exact = total * c / sum;
            prop_assert!((m.partitions.len() as f64 - exact).abs() < 1.0, "{} vs {exact}", m.partitions.len());
        }
    }

    #[test]
    fn uniform_moves_only_partitions_beyond_a_members_quota(g in group(true)) {
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        let excess: usize = g.members.iter().zip(&out.members).map(|(m, a)| m.owned.len().saturating_sub(a.partitions.len())).sum();
        prop_assert_eq!(kit::movement(&g, &out), excess);
    }

    #[test]
    fn reports_share_partitions_and_capacity(g in group(false)) {
        let out = CapacityWeightedAssignor.assign(&g).unwrap();
        for (m, a) in g.members.iter().zip(&out.members) {
            let text = String::from_utf8(a.user_data.clone()).unwrap();
            let cap = std::str::from_utf8(&m.user_data).unwrap();
            let want_suffix = format!(" partitions={} {}", a.partitions.len(), cap);
            prop_assert!(text.starts_with("share=") && text.ends_with(&want_suffix), "{text}");
        }
    }
}
