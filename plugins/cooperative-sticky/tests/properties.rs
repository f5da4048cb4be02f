//! `cooperative-sticky` computes exactly the sticky target, and it is valid and balanced.

use proptest::prelude::*;
use regroup_assignor_api::model::*;
use regroup_assignor_api::{Assignor, kit};
use regroup_cooperative_sticky::CooperativeStickyAssignor;

fn group() -> impl Strategy<Value = (GroupSpec, bool)> {
    (
        prop::collection::vec(0u32..10, 1..5),
        prop::collection::vec(
            (
                prop::collection::vec(any::<bool>(), 5),
                prop::collection::vec((0usize..5, 0u32..10), 0..8),
                prop::option::of(0i32..3),
            ),
            1..8,
        ),
        any::<bool>(),
    )
        .prop_map(|(partitions, members, uniform)| {
            let mut b = GroupSpec::builder().protocol(Protocol::Cooperative);
            let names: Vec<String> = (0..partitions.len()).map(|t| format!("t{t}")).collect();
            for (n, &p) in names.iter().zip(&partitions) {
                b = b.topic(n, p);
            }
            for (i, (subs, owned, generation)) in members.iter().enumerate() {
                let topics: Vec<&str> = names
                    .iter()
                    .enumerate()
                    .filter(|(t, _)| uniform || subs[*t])
                    .map(|(_, n)| n.as_str())
                    .collect();
                let owned: Vec<(&str, u32)> = owned
                    .iter()
                    .filter(|(t, _)| *t < names.len())
                    .map(|(t, p)| (names[*t].as_str(), *p))
                    .collect();
                b = b.member(&format!("m{i}"), &topics).owned(&owned, *generation);
            }
            (b.build(), uniform)
        })
}

proptest! {
    #[test]
    fn same_target_as_sticky((g, _) in group()) {
        prop_assert_eq!(CooperativeStickyAssignor.assign(&g).unwrap(), regroup_sticky::assign(&g).unwrap());
    }

    #[test]
    fn always_valid_and_balanced_when_uniform((g, uniform) in group()) {
        let out = CooperativeStickyAssignor.assign(&g).unwrap();
        prop_assert!(kit::validate(&g, &out).is_ok(), "{:?}", kit::validate(&g, &out));
        if uniform {
            prop_assert!(kit::balance(&g, &out).spread() <= 1);
        }
    }
}
