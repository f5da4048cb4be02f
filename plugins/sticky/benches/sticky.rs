//! The sticky assignor at Kafka's large-group test sizes (`testLargeAssignmentAndGroupWith*`), and
//! Kafka's incremental case (10,000 x 500,000, one member joins).
//!
//! Run: `cargo bench -p regroup-sticky --bench sticky`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use regroup_assignor_api::kit;
use regroup_assignor_api::model::{Member, Protocol};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sticky");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));

    for (label, narrow) in [("uniform", false), ("non-uniform", true)] {
        let fresh = kit::large_group(2_000, 500, 2_000, narrow, Protocol::Eager);
        let first = regroup_sticky::assign(&fresh).unwrap();
        let again = kit::next_round(&fresh, &first);
        // The figures only count if the results are right.
        let second = regroup_sticky::assign(&again).unwrap();
        for (spec, out) in [(&fresh, &first), (&again, &second)] {
            kit::validate(spec, out).unwrap();
            assert!(
                kit::balance(spec, out).spread() <= 1,
                "{label}: {}",
                kit::balance(spec, out)
            );
        }
        assert_eq!(
            kit::movement(&again, &second),
            0,
            "{label}: the first member's old partitions are free"
        );
        g.bench_function(format!("2000x1M {label} fresh"), |b| {
            b.iter(|| regroup_sticky::assign(black_box(&fresh)))
        });
        g.bench_function(format!("2000x1M {label} reassign"), |b| {
            b.iter(|| regroup_sticky::assign(black_box(&again)))
        });
        g.bench_function(format!("2000x1M {label} fresh+reassign"), |b| {
            b.iter(|| {
                let out = regroup_sticky::assign(black_box(&fresh)).unwrap();
                let out2 = regroup_sticky::assign(black_box(&again)).unwrap();
                (out, out2)
            })
        });
    }
    // Many subscription classes: each member subscribes to a pseudo-random half of 100 topics.
    let mut mixed = kit::large_group(2_000, 100, 2_000, false, Protocol::Eager);
    for (m, member) in mixed.members.iter_mut().enumerate() {
        member.topics = member
            .topics
            .iter()
            .copied()
            .filter(|t| ((t.0 as usize * 7919 + m * 104_729) % 997).is_multiple_of(2))
            .collect();
    }
    let out = regroup_sticky::assign(&mixed).unwrap();
    kit::validate(&mixed, &out).unwrap();
    g.bench_function("2000x200k random halves fresh", |b| {
        b.iter(|| regroup_sticky::assign(black_box(&mixed)))
    });

    // Rack-aware (KIP-881), Kafka's large rack test shape: 3 racks, replication factor 2.
    let mut racked = kit::large_group(2_000, 50, 2_000, false, Protocol::Eager);
    let racks = ["a", "b", "c"];
    for (m, member) in racked.members.iter_mut().enumerate() {
        member.rack = Some(racks[m % 3].to_string());
    }
    for (t, topic) in racked.topics.iter_mut().enumerate() {
        topic.replica_racks = Some(
            (0..topic.partitions as usize)
                .map(|p| (0..2).map(|j| racks[(p + j + t) % 3].to_string()).collect())
                .collect(),
        );
    }
    let first = regroup_sticky::assign(&racked).unwrap();
    let again = kit::next_round(&racked, &first);
    let second = regroup_sticky::assign(&again).unwrap();
    for (spec, out) in [(&racked, &first), (&again, &second)] {
        kit::validate(spec, out).unwrap();
        assert!(kit::balance(spec, out).spread() <= 1);
    }
    g.bench_function("2000x100k rack-aware fresh+reassign", |b| {
        b.iter(|| {
            let out = regroup_sticky::assign(black_box(&racked)).unwrap();
            let out2 = regroup_sticky::assign(black_box(&again)).unwrap();
            (out, out2)
        })
    });

    let wide = kit::large_group(10_000, 250, 2_000, false, Protocol::Eager);
    let out = regroup_sticky::assign(&wide).unwrap();
    kit::validate(&wide, &out).unwrap();
    assert!(kit::balance(&wide, &out).spread() <= 1);
    g.bench_function("10000x500k uniform fresh", |b| {
        b.iter(|| regroup_sticky::assign(black_box(&wide)))
    });
    // Kafka's incremental case: every member owns its fresh assignment at generation 1 and one
    // more member joins, owning nothing.
    let mut join = wide.clone();
    join.generation = 2;
    for (member, got) in join.members.iter_mut().zip(&out.members) {
        member.owned = got.partitions.clone();
        member.owned_generation = Some(1);
    }
    join.members
        .push(Member::new("member-10000", join.members[0].topics.clone()));
    let joined = regroup_sticky::assign(&join).unwrap();
    kit::validate(&join, &joined).unwrap();
    assert!(kit::balance(&join, &joined).spread() <= 1);
    assert_eq!(
        kit::movement(&join, &joined),
        joined.members[10_000].partitions.len(),
        "only the joiner's partitions move"
    );
    g.bench_function("10000x500k uniform join", |b| {
        b.iter(|| regroup_sticky::assign(black_box(&join)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
