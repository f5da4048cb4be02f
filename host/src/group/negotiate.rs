//! Which strategy a group runs: the negotiation rule, as one pure function.
//!
//! # The rule
//!
//! Each member lists the strategies it accepts, most preferred first. The **candidates** are the
//! strategies that every member lists and the host serves.
//!
//! 1. Each member votes for its most preferred candidate.
//! 2. The candidate with the most votes wins.
//! 3. A tie goes to the candidate with the best (lowest) summed rank across all members, a
//!    member's rank of a candidate being its position among the candidates in that member's list
//!    (0 for its favourite).
//! 4. A remaining tie goes to the leader's order (the leader is the longest-standing member).
//!
//! When every member lists the same order this is simply the first common strategy.
//! If the winner fails (an error, a panic, a missed deadline, an invalid result), it is removed
//! and the same rule picks among the rest, so [`rank`] returns the whole fallback order.
//!
//! A member whose list shares nothing with the group's candidates, or names only strategies the
//! host lacks, is refused at join (the group is not disturbed); see the coordinator.

use std::collections::HashMap;

/// Every candidate in the order the group tries them: the winner of the rule first, then the
/// winner among the rest, and so on. `lists` holds each member's strategy names, most preferred
/// first, the leader's list first. `served` says whether the host has a strategy.
pub fn rank<'a>(lists: &[&'a [String]], served: &dyn Fn(&str) -> bool) -> Vec<&'a str> {
    let Some(leader) = lists.first() else {
        return Vec::new();
    };
    let mut listed_by: HashMap<&str, usize> = HashMap::new();
    for list in lists {
        for name in list.iter() {
            *listed_by.entry(name.as_str()).or_default() += 1;
        }
    }
    // Candidates in the leader's order: its position is the last tie-break.
    let remaining: Vec<&'a str> = leader
        .iter()
        .map(String::as_str)
        .filter(|name| listed_by.get(name) == Some(&lists.len()) && served(name))
        .collect();
    let index: HashMap<&str, usize> = remaining.iter().enumerate().map(|(i, name)| (*name, i)).collect();
    // Summed rank over members, each rank counted among the candidates only.
    let mut rank_sum = vec![0u64; remaining.len()];
    // Each member's candidates, in its order, as indices into the leader-ordered list.
    let preferences: Vec<Vec<usize>> = lists
        .iter()
        .map(|list| {
            list.iter()
                .filter_map(|name| index.get(name.as_str()).copied())
                .collect()
        })
        .collect();
    for prefs in &preferences {
        for (rank, &c) in prefs.iter().enumerate() {
            rank_sum[c] += rank as u64;
        }
    }
    let mut alive = vec![true; remaining.len()];
    let mut order = Vec::with_capacity(remaining.len());
    while order.len() < remaining.len() {
        let mut votes = vec![0usize; remaining.len()];
        for prefs in &preferences {
            if let Some(&c) = prefs.iter().find(|&&c| alive[c]) {
                votes[c] += 1;
            }
        }
        let winner = (0..remaining.len())
            .filter(|&c| alive[c])
            .min_by_key(|&c| (std::cmp::Reverse(votes[c]), rank_sum[c], c))
            .expect("a candidate is left");
        alive[winner] = false;
        order.push(winner);
    }
    order.iter().map(|&c| remaining[c]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(members: &[&[&str]]) -> Vec<Vec<String>> {
        members
            .iter()
            .map(|l| l.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn run(members: &[&[&str]], served: &[&str]) -> Vec<String> {
        let owned = lists(members);
        let slices: Vec<&[String]> = owned.iter().map(Vec::as_slice).collect();
        rank(&slices, &|name| served.contains(&name))
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn same_order_everywhere_picks_the_first_common_strategy() {
        let got = run(
            &[&["sticky", "range", "rr"], &["sticky", "range", "rr"]],
            &["range", "rr", "sticky"],
        );
        assert_eq!(got, ["sticky", "range", "rr"]);
    }

    #[test]
    fn strategies_not_listed_by_all_or_not_served_are_not_candidates() {
        let got = run(
            &[&["custom", "sticky", "range"], &["sticky", "range"]],
            &["range", "custom"],
        );
        assert_eq!(got, ["range"]);
    }

    #[test]
    fn plurality_of_first_choices_wins() {
        // Two members prefer b, one prefers a: b wins although the leader prefers a.
        let got = run(&[&["a", "b"], &["b", "a"], &["b", "a"]], &["a", "b"]);
        assert_eq!(got, ["b", "a"]);
    }

    #[test]
    fn a_tie_in_votes_goes_to_the_best_summed_rank() {
        let got = run(
            &[
                &["a", "b", "c"],
                &["a", "b", "c"],
                &["b", "c", "a"],
                &["b", "c", "a"],
            ],
            &["a", "b", "c"],
        );
        // votes a 2, b 2; summed ranks a = 0+0+2+2 = 4, b = 1+1+0+0 = 2: b wins.
        assert_eq!(got[0], "b");
    }

    #[test]
    fn a_tie_in_votes_and_rank_goes_to_the_leaders_order() {
        let got = run(&[&["a", "b"], &["b", "a"]], &["a", "b"]);
        assert_eq!(got, ["a", "b"]);
        let got = run(&[&["b", "a"], &["a", "b"]], &["a", "b"]);
        assert_eq!(got, ["b", "a"]);
    }

    #[test]
    fn fallback_order_applies_the_rule_again_without_the_winner() {
        // Votes: x 2, y 1, z 0. Without x: the x-voters' next choice is z, so z (2) beats y (1).
        let got = run(
            &[&["x", "z", "y"], &["x", "z", "y"], &["y", "x", "z"]],
            &["x", "y", "z"],
        );
        assert_eq!(got, ["x", "z", "y"]);
    }

    #[test]
    fn no_members_or_nothing_in_common_gives_no_candidates() {
        assert!(run(&[], &["range"]).is_empty());
        assert!(run(&[&["a"], &["b"]], &["a", "b"]).is_empty());
        assert!(run(&[&["a"], &["a"]], &["b"]).is_empty());
    }
}
