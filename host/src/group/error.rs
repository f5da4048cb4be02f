//! [`GroupError`]: every refusal the coordinator makes, with a stable numeric code for the wire.

use thiserror::Error;

use super::types::GroupType;

/// Why the coordinator refused a call. Messages name the group, member, generation and partition
/// involved; [`GroupError::code`] is stable and goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GroupError {
    #[error("group {group:?} does not exist")]
    UnknownGroup { group: String },
    #[error("member {member:?} is not in group {group:?} (it left, was removed, or never joined)")]
    UnknownMember { group: String, member: String },
    #[error(
        "member {member:?} of group {group:?} sent generation {generation}, but the group is at generation {current}"
    )]
    IllegalGeneration {
        group: String,
        member: String,
        generation: i32,
        current: i32,
    },
    #[error(
        "member {member} of group {group:?} lists strategies [{requested}], which share nothing with what the group's members all accept [{group_offers}] and the host serves [{host_offers}]",
        requested = .requested.join(", "), group_offers = .group_offers.join(", "), host_offers = .host_offers.join(", ")
    )]
    NoCommonStrategy {
        group: String,
        member: String,
        requested: Vec<String>,
        /// The strategies every current member lists (all of them when the group is empty).
        group_offers: Vec<String>,
        host_offers: Vec<String>,
    },
    #[error("member {member:?} of group {group:?} does not own {partition} in generation {generation}")]
    NotOwner {
        group: String,
        member: String,
        generation: i32,
        partition: String,
    },
    #[error(
        "member {member:?} of group {group:?} was replaced by a newer instance of static member {instance:?}"
    )]
    FencedInstance {
        group: String,
        member: String,
        instance: String,
    },
    #[error("cannot {action} group {group:?}: it has {members} member{}", if *members == 1 { "" } else { "s" })]
    GroupNotEmpty {
        group: String,
        members: usize,
        action: &'static str,
    },
    #[error("invalid request for group {group:?}: {reason}")]
    InvalidRequest { group: String, reason: String },
    #[error("the join of member {member:?} to group {group:?} was superseded by a newer join")]
    Superseded { group: String, member: String },
    #[error("member {member:?} was removed from group {group:?} before its join completed: {reason}")]
    MemberRemoved {
        group: String,
        member: String,
        reason: String,
    },
    #[error("partition {partition} does not exist (group {group:?})")]
    UnknownPartition { group: String, partition: String },
    #[error("member {member:?} of group {group:?} was not asked to revoke {partition}, which it owns")]
    NotRevoking {
        group: String,
        member: String,
        partition: String,
    },
    #[error("no offset for {partition} of group {group:?}: the log cannot resolve {what}")]
    OffsetUnavailable {
        group: String,
        partition: String,
        what: String,
    },
    #[error("offset storage failed: {0}")]
    Storage(String),
    #[error("the coordinator shut down before answering")]
    CoordinatorClosed,
    #[error("group {group:?} is a {group_type} group: its members speak that protocol, and no other")]
    InconsistentGroupProtocol { group: String, group_type: GroupType },
    #[error("group {group:?} is rebalancing: rejoin it")]
    RebalanceInProgress { group: String },
    #[error(
        "member {member:?} of group {group:?} committed with member epoch {epoch}, but its epoch is {current}"
    )]
    StaleMemberEpoch {
        group: String,
        member: String,
        epoch: i32,
        current: i32,
    },
}

impl GroupError {
    /// `action` needs `group` to have no members: refused while it has `members` (every kind of
    /// group shares this rule).
    pub(super) fn refuse_if_members(
        group: &str,
        members: usize,
        action: &'static str,
    ) -> Result<(), GroupError> {
        if members == 0 {
            return Ok(());
        }
        Err(GroupError::GroupNotEmpty {
            group: group.to_owned(),
            members,
            action,
        })
    }

    /// The wire code. Never renumber: clients match on these.
    pub fn code(&self) -> u16 {
        match self {
            GroupError::UnknownGroup { .. } => 1,
            GroupError::UnknownMember { .. } => 2,
            GroupError::IllegalGeneration { .. } => 3,
            GroupError::NoCommonStrategy { .. } => 4,
            GroupError::NotOwner { .. } => 5,
            GroupError::FencedInstance { .. } => 6,
            GroupError::GroupNotEmpty { .. } => 7,
            GroupError::InvalidRequest { .. } => 8,
            GroupError::Superseded { .. } => 9,
            GroupError::MemberRemoved { .. } => 10,
            GroupError::UnknownPartition { .. } => 11,
            GroupError::NotRevoking { .. } => 12,
            GroupError::OffsetUnavailable { .. } => 13,
            GroupError::Storage(_) => 14,
            GroupError::CoordinatorClosed => 15,
            GroupError::InconsistentGroupProtocol { .. } => 16,
            GroupError::RebalanceInProgress { .. } => 17,
            GroupError::StaleMemberEpoch { .. } => 18,
        }
    }
}

/// One error of every kind with its pinned code, for tests that must cover them all (here, and
/// the wire mapping in `protocol`).
#[cfg(test)]
pub(crate) fn one_of_each() -> Vec<(GroupError, u16)> {
    let s = || "x".to_owned();
    vec![
        (GroupError::UnknownGroup { group: s() }, 1),
        (
            GroupError::UnknownMember {
                group: s(),
                member: s(),
            },
            2,
        ),
        (
            GroupError::IllegalGeneration {
                group: s(),
                member: s(),
                generation: 1,
                current: 2,
            },
            3,
        ),
        (
            GroupError::NoCommonStrategy {
                group: s(),
                member: s(),
                requested: vec![],
                group_offers: vec![],
                host_offers: vec![],
            },
            4,
        ),
        (
            GroupError::NotOwner {
                group: s(),
                member: s(),
                generation: 1,
                partition: s(),
            },
            5,
        ),
        (
            GroupError::FencedInstance {
                group: s(),
                member: s(),
                instance: s(),
            },
            6,
        ),
        (
            GroupError::GroupNotEmpty {
                group: s(),
                members: 1,
                action: "reset",
            },
            7,
        ),
        (
            GroupError::InvalidRequest {
                group: s(),
                reason: s(),
            },
            8,
        ),
        (
            GroupError::Superseded {
                group: s(),
                member: s(),
            },
            9,
        ),
        (
            GroupError::MemberRemoved {
                group: s(),
                member: s(),
                reason: s(),
            },
            10,
        ),
        (
            GroupError::UnknownPartition {
                group: s(),
                partition: s(),
            },
            11,
        ),
        (
            GroupError::NotRevoking {
                group: s(),
                member: s(),
                partition: s(),
            },
            12,
        ),
        (
            GroupError::OffsetUnavailable {
                group: s(),
                partition: s(),
                what: s(),
            },
            13,
        ),
        (GroupError::Storage(s()), 14),
        (GroupError::CoordinatorClosed, 15),
        (
            GroupError::InconsistentGroupProtocol {
                group: s(),
                group_type: GroupType::Classic,
            },
            16,
        ),
        (GroupError::RebalanceInProgress { group: s() }, 17),
        (
            GroupError::StaleMemberEpoch {
                group: s(),
                member: s(),
                epoch: 1,
                current: 2,
            },
            18,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_never_change() {
        for (error, code) in one_of_each() {
            assert_eq!(error.code(), code, "{error:?}");
        }
    }

    #[test]
    fn messages_name_group_member_generation_and_partition() {
        let e = GroupError::NotOwner {
            group: "g".into(),
            member: "m1".into(),
            generation: 7,
            partition: "t-3".into(),
        };
        assert_eq!(
            e.to_string(),
            "member \"m1\" of group \"g\" does not own t-3 in generation 7"
        );
        let e = GroupError::NoCommonStrategy {
            group: "g".into(),
            member: "m2".into(),
            requested: vec!["sticky".into()],
            group_offers: vec!["range".into(), "roundrobin".into()],
            host_offers: vec!["range".into()],
        };
        assert!(
            e.to_string().contains("[sticky]") && e.to_string().contains("[range, roundrobin]"),
            "{e}"
        );
    }

    #[test]
    fn a_non_empty_group_is_refused_with_its_members_counted_in_words() {
        let refusal = |members| {
            GroupError::GroupNotEmpty {
                group: "g".into(),
                members,
                action: "delete",
            }
            .to_string()
        };
        assert_eq!(refusal(1), "cannot delete group \"g\": it has 1 member");
        assert_eq!(refusal(2), "cannot delete group \"g\": it has 2 members");
    }
}
