//! The sticky algorithm shared by `sticky` and `cooperative-sticky` (Kafka's `AbstractStickyAssignor`).
//!
//! Everything is index based: a partition is a global index (`offsets[topic] + partition`), a member
//! is its index in [`GroupSpec::members`], per-member assignments are `Vec<TopicPartition>`, and
//! per-partition state lives in flat `Vec<u32>`s. No string is hashed or compared on a hot path.
//!
//! Two code paths, as in Kafka:
//! - `constrained`: every member subscribes to the same topics. Linear in partitions + members.
//! - `general`: any subscriptions. Least-loaded placement through one lazy min-heap per
//!   *subscription class* (members with the same topics and rack), then a balancing loop that moves
//!   one partition at a time from the most loaded member to the least loaded member that can take it.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use regroup_assignor_api::AssignError;
use regroup_assignor_api::model::{
    Assignment, GroupSpec, MemberAssignment, Subscription, TopicId, TopicPartition,
};
use regroup_assignor_api::racks::{RackIds, use_rack_aware_assignment};

/// The generation of a member that reported none, as in Kafka.
pub const DEFAULT_GENERATION: i32 = -1;

/// "No member" in the per-partition tables.
const NONE: u32 = u32::MAX;
/// Two members of the same (highest) generation claim the partition: neither keeps it.
const CONFLICT: u32 = u32::MAX - 1;
/// Set on a resolved claim once it has been copied into the owner's list (drops duplicates).
const TAKEN: u32 = 1 << 31;

/// Computes the sticky assignment of `group`: as balanced as possible, then as many previously
/// owned partitions kept as possible. Members are returned in the spec's order.
pub fn assign(group: &GroupSpec) -> Result<Assignment, AssignError> {
    assign_with(group, true)
}

/// [`assign`]; `fresh_shortcut` false makes a group where nobody keeps anything go through the
/// general deal too (tests check the shortcut against it).
pub(crate) fn assign_with(group: &GroupSpec, fresh_shortcut: bool) -> Result<Assignment, AssignError> {
    let ctx = Context::new(group)?;
    let lists = if ctx.uniform {
        constrained(&ctx, fresh_shortcut)?
    } else {
        general(&ctx)
    };
    Ok(Assignment::new(
        group
            .members
            .iter()
            .zip(lists)
            .map(|(m, partitions)| MemberAssignment::new(&m.id, partitions))
            .collect(),
    ))
}

/// What both paths need: partition layout, member order, resolved ownership claims, racks.
struct Context<'a> {
    group: &'a GroupSpec,
    /// Global index of each topic's partition 0; one extra entry holds the total.
    offsets: Vec<usize>,
    /// Whether any member subscribes to the topic (Kafka only sees subscribed topics).
    subscribed: Vec<bool>,
    /// Member indices sorted by member id (Kafka's order for sticky ties).
    by_rank: Vec<usize>,
    /// Inverse of `by_rank`.
    rank: Vec<u32>,
    /// Each member's previously owned partitions that it may keep: existing, subscribed by the
    /// group, without duplicates, and not lost to a claim of a higher generation or a tie. A
    /// member whose every claim holds borrows its list from the spec.
    owned: Vec<Cow<'a, [TopicPartition]>>,
    /// The global indices of the partitions in `owned`.
    claimed: Bitmap,
    /// Rack-aware placement is on (KIP-881 rules); `None` gives exactly the rack-less result.
    racks: Option<Racks>,
    /// Every member subscribes to the same topics.
    uniform: bool,
}

impl<'a> Context<'a> {
    fn new(group: &'a GroupSpec) -> Result<Self, AssignError> {
        let topic_count = group.topics.len();
        let mut offsets = Vec::with_capacity(topic_count + 1);
        let mut total = 0usize;
        for t in &group.topics {
            offsets.push(total);
            total += t.partitions as usize;
        }
        offsets.push(total);

        let mut subscribed = vec![false; topic_count];
        // Members usually share one subscription list: each shared list is walked once.
        let mut seen: Option<&Subscription> = None;
        for m in &group.members {
            if seen.is_some_and(|s| s.shares(&m.topics)) {
                continue;
            }
            seen = Some(&m.topics);
            for t in &m.topics {
                *subscribed
                    .get_mut(t.index())
                    .ok_or_else(|| format!("member {:?} subscribes to unknown topic #{}", m.id, t.0))? = true;
            }
        }
        let mut by_rank: Vec<usize> = (0..group.members.len()).collect();
        // Hosts usually list members by id already: checking costs one comparison per member.
        if !group.members.is_sorted_by(|a, b| a.id <= b.id) {
            by_rank.sort_unstable_by(|&a, &b| group.members[a].id.cmp(&group.members[b].id));
        }
        let mut rank = vec![0u32; group.members.len()];
        for (r, &m) in by_rank.iter().enumerate() {
            rank[m] = r as u32;
        }
        let uniform = group
            .members
            .windows(2)
            .all(|w| w[0].topics.shares(&w[1].topics) || w[0].topics == w[1].topics);

        let (owned, claimed) = resolve_claims(group, &offsets, &subscribed);
        let racks = Racks::new(group, &offsets, &subscribed);
        Ok(Context {
            group,
            offsets,
            subscribed,
            by_rank,
            rank,
            owned,
            claimed,
            racks,
            uniform,
        })
    }

    fn index(&self, tp: TopicPartition) -> usize {
        self.offsets[tp.topic.index()] + tp.partition as usize
    }

    /// Kafka's rule for owned partitions when rack-aware: `member` gives up its owned `tp` when
    /// it states a rack that holds no replica of it (`racksMismatch`).
    fn misplaced(&self, member: usize, tp: TopicPartition) -> bool {
        self.racks
            .as_ref()
            .is_some_and(|r| r.mismatch(member, self.index(tp)))
    }

    /// Every partition of every subscribed topic whose bit in `taken` is clear, in topic order then
    /// partition order.
    fn free_partitions<'b>(&'b self, taken: &'b Bitmap) -> impl Iterator<Item = TopicPartition> + 'b {
        (0..self.group.topics.len())
            .filter(|&t| self.subscribed[t])
            .flat_map(move |t| {
                let base = self.offsets[t];
                taken
                    .clear_in(base..self.offsets[t + 1])
                    .map(move |g| TopicPartition::new(TopicId(t as u32), (g - base) as u32))
            })
    }
}

/// Resolves ownership claims: the claimant with the highest generation keeps a partition; a tie at
/// the highest generation means nobody keeps it (Kafka revokes it from both). Claims of partitions
/// that do not exist or of topics nobody subscribes to are dropped, and so are duplicates.
///
/// Returns each member's surviving claims and the set of claimed partitions. Usually no partition
/// is claimed twice: then a bitmap of claims (an eighth of a byte per partition) is all it takes
/// and every member keeps a borrowed list; only members with an invalid claim get a filtered copy.
fn resolve_claims<'a>(
    group: &'a GroupSpec,
    offsets: &[usize],
    subscribed: &[bool],
) -> (Vec<Cow<'a, [TopicPartition]>>, Bitmap) {
    let total = *offsets.last().unwrap_or(&0);
    let valid = |tp: &TopicPartition| {
        group
            .topics
            .get(tp.topic.index())
            .is_some_and(|t| tp.partition < t.partitions)
            && subscribed[tp.topic.index()]
    };
    let index = |tp: &TopicPartition| offsets[tp.topic.index()] + tp.partition as usize;
    let mut claimed = Bitmap::new(total);
    let mut with_invalid = vec![false; group.members.len()];
    let mut claimed_twice = false;
    for (m, member) in group.members.iter().enumerate() {
        for tp in &member.owned {
            if !valid(tp) {
                with_invalid[m] = true;
            } else if !claimed.insert(index(tp)) {
                claimed_twice = true;
            }
        }
    }
    if !claimed_twice {
        let owned = group
            .members
            .iter()
            .zip(&with_invalid)
            .map(|(member, &invalid)| match invalid {
                false => Cow::Borrowed(member.owned.as_slice()),
                true => Cow::Owned(member.owned.iter().copied().filter(valid).collect()),
            })
            .collect();
        return (owned, claimed);
    }

    let mut claim = vec![NONE; total];
    let mut claim_generation = vec![DEFAULT_GENERATION; total];
    for (m, member) in group.members.iter().enumerate() {
        let generation = member.owned_generation.unwrap_or(DEFAULT_GENERATION);
        for tp in member.owned.iter().filter(|tp| valid(tp)) {
            let g = index(tp);
            let (owner, owner_generation) = (claim[g], claim_generation[g]);
            if owner == NONE || generation > owner_generation {
                claim[g] = m as u32;
                claim_generation[g] = generation;
            } else if owner != m as u32 && generation == owner_generation {
                claim[g] = CONFLICT;
            }
        }
    }
    let mut claimed = Bitmap::new(total);
    let owned = group
        .members
        .iter()
        .enumerate()
        .map(|(m, member)| {
            let mut kept = Vec::new();
            for tp in member.owned.iter().filter(|tp| valid(tp)) {
                let g = index(tp);
                if claim[g] == m as u32 {
                    claim[g] |= TAKEN;
                    claimed.insert(g);
                    kept.push(*tp);
                }
            }
            Cow::Owned(kept)
        })
        .collect();
    (owned, claimed)
}

/// A set of global partition indices, one bit each.
#[derive(Clone)]
struct Bitmap(Vec<u64>);

impl Bitmap {
    fn new(len: usize) -> Bitmap {
        Bitmap(vec![0; len.div_ceil(64)])
    }

    /// Adds `i`; false if it was there already.
    fn insert(&mut self, i: usize) -> bool {
        let (word, bit) = (&mut self.0[i / 64], 1u64 << (i % 64));
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }

    fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1u64 << (i % 64));
    }

    /// The indices in `range` that are not in the set, ascending; full words are skipped whole.
    fn clear_in(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let end = range.end;
        let words = range.start / 64..end.div_ceil(64);
        let start = range.start;
        words.flat_map(move |w| {
            let mut free = !self.0[w];
            if w * 64 < start {
                free &= !0u64 << (start - w * 64);
            }
            if (w + 1) * 64 > end {
                free &= !0u64 >> ((w + 1) * 64 - end);
            }
            std::iter::from_fn(move || {
                (free != 0).then(|| {
                    let bit = free.trailing_zeros() as usize;
                    free &= free - 1;
                    w * 64 + bit
                })
            })
        })
    }
}

/// Rack facts, interned: a rack is a `u32`, each partition's replica racks a slice of a flat table.
struct Racks {
    /// Each member's rack, if it stated a non-empty one.
    member: Vec<Option<u32>>,
    /// Per global partition, its range in `ids` (distinct racks holding a replica).
    start: Vec<u32>,
    ids: Vec<u32>,
    /// Number of members per rack.
    members_on: Vec<u32>,
}

impl Racks {
    /// `None` unless Kafka's rule ([`use_rack_aware_assignment`]) holds over every member's rack
    /// and every subscribed partition: some member states a rack, some partition has a replica on
    /// a member's rack, and the partitions do not all have replicas on every rack.
    fn new(group: &GroupSpec, offsets: &[usize], subscribed: &[bool]) -> Option<Racks> {
        let (mut interned, member) = RackIds::members(group)?;
        let total = *offsets.last().unwrap_or(&0);
        let mut start = Vec::with_capacity(total + 1);
        let mut ids = Vec::new();
        for (t, topic) in group.topics.iter().enumerate() {
            for p in 0..topic.partitions as usize {
                start.push(ids.len() as u32);
                if subscribed[t] {
                    interned.push_replicas(topic, p, &mut ids);
                }
            }
        }
        start.push(ids.len() as u32);
        let subscribed_partitions = (0..group.topics.len())
            .filter(|&t| subscribed[t])
            .flat_map(|t| offsets[t]..offsets[t + 1])
            .map(|g| &ids[start[g] as usize..start[g + 1] as usize]);
        if !use_rack_aware_assignment(member.iter().flatten().copied(), subscribed_partitions) {
            return None;
        }
        let mut members_on = vec![0u32; interned.len()];
        for r in member.iter().flatten() {
            members_on[*r as usize] += 1;
        }
        Some(Racks {
            member,
            start,
            ids,
            members_on,
        })
    }

    fn of(&self, g: usize) -> &[u32] {
        &self.ids[self.start[g] as usize..self.start[g + 1] as usize]
    }

    /// Kafka's `racksMismatch`: the member states a rack and no replica is on it.
    fn mismatch(&self, member: usize, g: usize) -> bool {
        self.member[member].is_some_and(|r| !self.of(g).contains(&r))
    }

    /// The member states a rack and a replica is on it.
    fn matches(&self, member: usize, g: usize) -> bool {
        self.member[member].is_some_and(|r| self.of(g).contains(&r))
    }

    /// How many members sit on racks holding a replica of the partition.
    fn members_near(&self, g: usize) -> u32 {
        self.of(g).iter().map(|&r| self.members_on[r as usize]).sum()
    }
}

/// Kafka's `nextRackConsumer`: the first member of `list`, circularly from `first`, on a rack
/// holding a replica of partition `g`.
fn next_rack_member(racks: &Racks, g: usize, list: &[usize], first: usize) -> Option<usize> {
    let len = list.len();
    if len == 0 || racks.of(g).is_empty() {
        return None;
    }
    (0..len)
        .map(|i| (first + i) % len)
        .find(|&i| racks.matches(list[i], g))
}

/// Kafka's `ConstrainedAssignmentBuilder`: all members subscribe to the same topics.
///
/// 1. Each member keeps its owned partitions (rack-matching ones only, when rack-aware), up to
///    `maxQuota` while fewer than `total % members` members hold `maxQuota`, otherwise up to
///    `minQuota`. Kept partitions are chosen by partition number, then topic, as Kafka does; a
///    member keeping all it owns keeps its list as reported (copied, neither sorted nor looked up).
/// 2. Rack-aware only: unassigned partitions (fewest nearby members first) go round-robin to
///    members on a replica's rack, within the quotas.
/// 3. The rest go round-robin to the members under `minQuota` (sorted by id), then one each to
///    members at `minQuota` until `total % members` members hold `maxQuota`.
fn constrained(ctx: &Context, fresh_shortcut: bool) -> Result<Vec<Vec<TopicPartition>>, AssignError> {
    let members = ctx.group.members.len();
    if members == 0 {
        return Ok(Vec::new());
    }
    let total: usize = ctx.group.members[0]
        .topics
        .iter()
        .map(|t| ctx.group.topic(*t).partitions as usize)
        .sum();
    let min_quota = total / members;
    let max_quota = total.div_ceil(members);
    let expected_over = total % members;
    let mut current_over = 0usize;

    let mut lists: Vec<Vec<TopicPartition>> = (0..members).map(|_| Vec::with_capacity(max_quota)).collect();
    if fresh_shortcut && ctx.racks.is_none() && ctx.owned.iter().all(|owned| owned.is_empty()) {
        deal_fresh(ctx, &mut lists, total);
        return Ok(lists);
    }
    // Starts as every claimed partition; partitions a member gives up are taken out again.
    let mut assigned = ctx.claimed.clone();
    let mut under_min: Vec<usize> = Vec::new();
    let mut exactly_min: VecDeque<usize> = VecDeque::new();

    // Kafka walks members in hash order here; Regroup walks them by member id (deterministic).
    for &m in &ctx.by_rank {
        let mut owned = Cow::Borrowed(&*ctx.owned[m]);
        if ctx.racks.is_some() {
            owned = Cow::Owned(
                owned
                    .iter()
                    .copied()
                    .filter(|&tp| !ctx.misplaced(m, tp))
                    .collect(),
            );
            for tp in ctx.owned[m].iter().filter(|&&tp| ctx.misplaced(m, tp)) {
                assigned.remove(ctx.index(*tp));
            }
        }
        let keep = if owned.len() < min_quota {
            under_min.push(m);
            owned.len()
        } else if owned.len() >= max_quota && current_over < expected_over {
            current_over += 1;
            if current_over == expected_over {
                exactly_min.clear();
            }
            max_quota
        } else {
            if current_over < expected_over {
                exactly_min.push_back(m);
            }
            min_quota
        };
        if keep < owned.len() {
            // A member over its quota keeps its lowest partition numbers (then topics), as Kafka.
            let owned = owned.to_mut();
            owned.sort_unstable_by_key(|tp| (tp.partition, tp.topic));
            for tp in &owned[keep..] {
                assigned.remove(ctx.index(*tp));
            }
            owned.truncate(keep);
        }
        lists[m].extend_from_slice(&owned);
    }

    let Some(racks) = &ctx.racks else {
        deal_round_robin(
            ctx.free_partitions(&assigned),
            &mut lists,
            under_min,
            exactly_min,
            (min_quota, max_quota),
            (current_over, expected_over),
        )?;
        return Ok(lists);
    };
    let mut unassigned: Vec<TopicPartition> = ctx.free_partitions(&assigned).collect();
    unassigned.sort_by_key(|&tp| racks.members_near(ctx.index(tp)));
    let mut next = 0usize;
    unassigned.retain(|&tp| {
        let g = ctx.index(tp);
        let mut chosen = None;
        if let Some(i) = next_rack_member(racks, g, &under_min, next) {
            let m = under_min[i];
            let count = lists[m].len() + 1;
            let mut after = i;
            if count >= min_quota {
                under_min.remove(i);
                if count < max_quota {
                    exactly_min.push_back(m);
                }
            } else {
                after += 1;
            }
            next = if under_min.is_empty() {
                0
            } else {
                after % under_min.len()
            };
            chosen = Some(m);
        } else if current_over < expected_over
            && let Some(i) = next_rack_member(racks, g, exactly_min.make_contiguous(), 0)
        {
            // Kafka does not count these toward `maxQuota` members and can then run out of
            // partitions for members under `minQuota` (an IllegalStateException); counting
            // them keeps the quotas exact.
            let m = exactly_min[i];
            if lists[m].len() + 1 == max_quota {
                exactly_min.remove(i);
                current_over += 1;
            }
            chosen = Some(m);
        }
        match chosen {
            Some(m) => {
                lists[m].push(tp);
                false
            }
            None => true,
        }
    });
    deal_round_robin(
        unassigned.into_iter(),
        &mut lists,
        under_min,
        exactly_min,
        (min_quota, max_quota),
        (current_over, expected_over),
    )?;
    Ok(lists)
}

/// The constrained path when nobody keeps anything and racks play no part. Kafka's deal (below)
/// then gives the `i`-th member by id the subscribed partitions `i`, `i + n`, `i + 2n`, ... (`n`
/// members, partitions in topic order then partition order), the last of them being its one extra
/// when `i < total % n`. Filling member by member writes each list in one go, where dealing
/// partition by partition writes to every list in turn.
fn deal_fresh(ctx: &Context, lists: &mut [Vec<TopicPartition>], total: usize) {
    let topics = &ctx.group.members[0].topics;
    // Where each subscribed topic's partitions end in the dealing order.
    let ends: Vec<usize> = topics
        .iter()
        .scan(0, |end, t| {
            *end += ctx.group.topic(*t).partitions as usize;
            Some(*end)
        })
        .collect();
    let n = ctx.by_rank.len();
    for (i, &m) in ctx.by_rank.iter().enumerate() {
        let list = &mut lists[m];
        let (mut t, mut base) = (0, 0);
        for k in (i..total).step_by(n) {
            while k >= ends[t] {
                base = ends[t];
                t += 1;
            }
            list.push(TopicPartition::new(topics[t], (k - base) as u32));
        }
    }
}

/// The constrained path's last step: `unassigned` go round-robin over the members under minQuota,
/// pass after pass; once all reach it, one more each to members at minQuota, in the order they
/// got there, until `expected_over` members hold maxQuota.
fn deal_round_robin(
    unassigned: impl Iterator<Item = TopicPartition>,
    lists: &mut [Vec<TopicPartition>],
    under_min: Vec<usize>,
    mut exactly_min: VecDeque<usize>,
    (min_quota, max_quota): (usize, usize),
    (mut current_over, expected_over): (usize, usize),
) -> Result<(), AssignError> {
    let mut pass = under_min;
    let mut at = 0usize;
    let mut next_pass: Vec<usize> = Vec::with_capacity(pass.len());
    for tp in unassigned {
        if at == pass.len() {
            pass = std::mem::take(&mut next_pass);
            at = 0;
        }
        let (m, from_under) = if at < pass.len() {
            at += 1;
            (pass[at - 1], true)
        } else {
            match exactly_min.pop_front() {
                Some(m) if current_over < expected_over => (m, false),
                _ => return Err("sticky: no member left below its quota (internal error)".into()),
            }
        };
        lists[m].push(tp);
        let count = lists[m].len();
        if from_under {
            if count == min_quota {
                exactly_min.push_back(m);
            } else {
                next_pass.push(m);
            }
        } else if count == max_quota {
            current_over += 1;
        }
    }
    let short = pass[at..]
        .iter()
        .chain(&next_pass)
        .any(|&m| lists[m].len() != min_quota);
    if short {
        return Err("sticky: a member ended below minQuota (internal error)".into());
    }
    Ok(())
}

/// Kafka's `GeneralAssignmentBuilder`, with the same guarantees and an index-based engine.
///
/// 1. Each member keeps its owned partitions of topics it still subscribes to (rack-matching
///    ones only, when rack-aware).
/// 2. Unassigned partitions, topics with the fewest subscribers first, go one by one to the least
///    loaded subscriber (ties by member id); when rack-aware, first only to members on a replica's
///    rack, then the remainder to anyone.
/// 3. Balancing: while some member holds at least two more partitions than a member that could
///    take one of them, the most loaded member gives one away. It gives partitions it did not own
///    before first; a partition goes back to its owner of an older generation when that member
///    can take it (Kafka's `prevAssignment`), else to a least-loaded subscriber on a replica's
///    rack, else to the least-loaded subscriber. Every move lowers Kafka's balance score, so
///    Kafka's "revert if not better" step never applies.
///
/// The result satisfies Kafka's `isBalanced`: no partition can move to a member holding two
/// fewer partitions.
fn general(ctx: &Context) -> Vec<Vec<TopicPartition>> {
    let group = ctx.group;
    let members = group.members.len();
    let total = *ctx.offsets.last().unwrap_or(&0);

    // Subscription classes: members with the same topics (and rack, when rack-aware).
    let rack_of = |m: usize| ctx.racks.as_ref().and_then(|r| r.member[m]);
    let mut class_ids: HashMap<(&[TopicId], Option<u32>), u32> = HashMap::new();
    let mut class_of = vec![0u32; members];
    let mut class_rack: Vec<Option<u32>> = Vec::new();
    let mut topic_classes: Vec<Vec<u32>> = vec![Vec::new(); group.topics.len()];
    let mut potential = vec![0u32; group.topics.len()];
    for (m, member) in group.members.iter().enumerate() {
        let key = (member.topics.as_slice(), rack_of(m));
        let next = class_ids.len() as u32;
        let c = *class_ids.entry(key).or_insert_with(|| {
            class_rack.push(key.1);
            for t in key.0 {
                topic_classes[t.index()].push(next);
            }
            next
        });
        class_of[m] = c;
        for t in &member.topics {
            potential[t.index()] += 1;
        }
    }

    let mut state = State {
        lists: vec![Vec::new(); members],
        holder: vec![NONE; total],
        pos: vec![0u32; total],
        heaps: (0..class_rack.len()).map(|_| BinaryHeap::new()).collect(),
        class_of,
        class_rack,
        topic_classes,
        rank: &ctx.rank,
    };
    let mut keeper = vec![NONE; total];
    for &m in &ctx.by_rank {
        let topics = &group.members[m].topics;
        for &tp in ctx.owned[m].iter() {
            if topics.binary_search(&tp.topic).is_err() || ctx.misplaced(m, tp) {
                continue;
            }
            let g = ctx.index(tp);
            keeper[g] = m as u32;
            state.place(g, tp, m);
        }
    }
    for m in 0..members {
        state.push_heap(m);
    }

    // Kafka's partition order for the general case: topics by number of subscribers, then name.
    let mut topic_order: Vec<usize> = (0..group.topics.len()).filter(|&t| ctx.subscribed[t]).collect();
    topic_order.sort_by_key(|&t| (potential[t], t));
    let mut topic_rank = vec![0u32; group.topics.len()];
    for (r, &t) in topic_order.iter().enumerate() {
        topic_rank[t] = r as u32;
    }
    let mut unassigned = Vec::new();
    for &t in &topic_order {
        let base = ctx.offsets[t];
        for p in 0..group.topics[t].partitions {
            if state.holder[base + p as usize] == NONE {
                unassigned.push(TopicPartition::new(TopicId(t as u32), p));
            }
        }
    }
    if let Some(racks) = &ctx.racks {
        unassigned.retain(|&tp| {
            let g = ctx.index(tp);
            match state.least_loaded(tp.topic, Some(racks.of(g))) {
                Some(m) => {
                    state.give(g, tp, m);
                    false
                }
                None => true,
            }
        });
    }
    for &tp in &unassigned {
        let g = ctx.index(tp);
        let m = state
            .least_loaded(tp.topic, None)
            .expect("a subscribed topic has a subscriber");
        state.give(g, tp, m);
    }

    // Kafka's previous-generation owners: among claimants older than the newest generation, the
    // newest (ties: first by member id).
    let max_generation = group
        .members
        .iter()
        .map(|m| m.owned_generation.unwrap_or(DEFAULT_GENERATION))
        .max()
        .unwrap_or(DEFAULT_GENERATION);
    let mut previous: Vec<(u32, i32)> = Vec::new();
    if group
        .members
        .iter()
        .any(|m| m.owned_generation.unwrap_or(DEFAULT_GENERATION) < max_generation && !m.owned.is_empty())
    {
        previous = vec![(NONE, i32::MIN); total];
        for &m in &ctx.by_rank {
            let member = &group.members[m];
            let generation = member.owned_generation.unwrap_or(DEFAULT_GENERATION);
            if generation >= max_generation {
                continue;
            }
            for tp in &member.owned {
                let exists = group
                    .topics
                    .get(tp.topic.index())
                    .is_some_and(|t| tp.partition < t.partitions);
                if exists {
                    let slot = &mut previous[ctx.index(*tp)];
                    if generation > slot.1 {
                        *slot = (m as u32, generation);
                    }
                }
            }
        }
    }

    balance(ctx, &mut state, &keeper, &previous, &topic_rank);
    state.lists
}

/// The general path's mutable state.
struct State<'a> {
    lists: Vec<Vec<TopicPartition>>,
    /// Current holder of each partition (`NONE` if unassigned).
    holder: Vec<u32>,
    /// Index of each assigned partition in its holder's list.
    pos: Vec<u32>,
    /// Per class, a lazy min-heap of (count, rank, member); entries whose count is stale are skipped.
    heaps: Vec<BinaryHeap<Reverse<(u32, u32, u32)>>>,
    class_of: Vec<u32>,
    class_rack: Vec<Option<u32>>,
    topic_classes: Vec<Vec<u32>>,
    rank: &'a [u32],
}

impl State<'_> {
    fn count(&self, m: usize) -> u32 {
        self.lists[m].len() as u32
    }

    fn push_heap(&mut self, m: usize) {
        let entry = Reverse((self.count(m), self.rank[m], m as u32));
        self.heaps[self.class_of[m] as usize].push(entry);
    }

    fn place(&mut self, g: usize, tp: TopicPartition, m: usize) {
        self.holder[g] = m as u32;
        self.pos[g] = self.lists[m].len() as u32;
        self.lists[m].push(tp);
    }

    /// Assigns an unassigned partition and refreshes the member's heap entry.
    fn give(&mut self, g: usize, tp: TopicPartition, m: usize) {
        self.place(g, tp, m);
        self.push_heap(m);
    }

    /// Moves partition `g` from its holder to `to`.
    fn transfer(&mut self, g: usize, tp: TopicPartition, to: usize, offsets: &[usize]) {
        let from = self.holder[g] as usize;
        let at = self.pos[g] as usize;
        self.lists[from].swap_remove(at);
        if let Some(moved) = self.lists[from].get(at) {
            self.pos[offsets[moved.topic.index()] + moved.partition as usize] = at as u32;
        }
        self.place(g, tp, to);
        self.push_heap(from);
        self.push_heap(to);
    }

    /// The least-loaded subscriber of `topic` (ties by member id); with `racks`, only members
    /// whose rack holds a replica or who state no rack (Kafka's "no mismatch").
    fn least_loaded(&mut self, topic: TopicId, racks: Option<&[u32]>) -> Option<usize> {
        let mut best: Option<(u32, u32, u32)> = None;
        for &c in &self.topic_classes[topic.index()] {
            if let (Some(racks), Some(rack)) = (racks, self.class_rack[c as usize])
                && !racks.contains(&rack)
            {
                continue;
            }
            let heap = &mut self.heaps[c as usize];
            while let Some(&Reverse(top)) = heap.peek() {
                if top.0 == self.lists[top.2 as usize].len() as u32 {
                    if best.is_none_or(|b| (top.0, top.1) < (b.0, b.1)) {
                        best = Some(top);
                    }
                    break;
                }
                heap.pop();
            }
        }
        best.map(|b| b.2 as usize)
    }
}

/// Step 3 of [`general`]: moves partitions until no member holds two more than a member that
/// could take one of its partitions.
fn balance(ctx: &Context, state: &mut State, keeper: &[u32], previous: &[(u32, i32)], topic_rank: &[u32]) {
    let members = state.lists.len();
    let (min, max) = state
        .lists
        .iter()
        .fold((usize::MAX, 0), |(lo, hi), l| (lo.min(l.len()), hi.max(l.len())));
    if members == 0 || max <= min + 1 {
        return;
    }
    let subscribers = &ctx.group.members;
    loop {
        let mut moved = false;
        let mut most: BinaryHeap<(u32, Reverse<u32>, u32)> = (0..members)
            .map(|m| (state.count(m), Reverse(state.rank[m]), m as u32))
            .collect();
        // Per member, its partitions in the order it gives them away, and how far it got.
        let mut candidates: Vec<Option<(Vec<TopicPartition>, usize)>> = vec![None; members];
        while let Some((count, _, a)) = most.pop() {
            let a = a as usize;
            if count != state.count(a) {
                continue;
            }
            let (list, cursor) = candidates[a].get_or_insert_with(|| {
                let mut list = state.lists[a].clone();
                // Partitions new to this member first: moving them costs no stickiness (Kafka
                // likewise first rebalances the newly assigned partitions).
                // Then partitions an older generation's owner may take back, then the rest.
                list.sort_by_key(|tp| {
                    let g = ctx.index(*tp);
                    let kept = keeper[g] == a as u32;
                    let prev = previous.get(g).map_or(NONE, |p| p.0);
                    (
                        kept,
                        prev == NONE || prev == a as u32,
                        topic_rank[tp.topic.index()],
                        tp.partition,
                    )
                });
                (list, 0)
            });
            // A receiver must hold at least two fewer partitions than `a`.
            let Some(limit) = count.checked_sub(2) else {
                continue;
            };
            while let Some(&tp) = list.get(*cursor) {
                *cursor += 1;
                let g = ctx.index(tp);
                if state.holder[g] != a as u32 {
                    continue;
                }
                let prev = previous.get(g).map_or(NONE, |p| p.0);
                let to = if prev != NONE
                    && prev as usize != a
                    && state.count(prev as usize) <= limit
                    && subscribers[prev as usize].topics.binary_search(&tp.topic).is_ok()
                {
                    Some(prev as usize)
                } else {
                    let near = ctx
                        .racks
                        .as_ref()
                        .filter(|r| !r.of(g).is_empty())
                        .and_then(|r| state.least_loaded(tp.topic, Some(r.of(g))))
                        .filter(|&b| state.count(b) <= limit);
                    near.or_else(|| {
                        state
                            .least_loaded(tp.topic, None)
                            .filter(|&b| state.count(b) <= limit)
                    })
                };
                if let Some(b) = to {
                    state.transfer(g, tp, b, &ctx.offsets);
                    most.push((state.count(a), Reverse(state.rank[a]), a as u32));
                    most.push((state.count(b), Reverse(state.rank[b]), b as u32));
                    moved = true;
                    break;
                }
            }
        }
        if !moved {
            return;
        }
    }
}
