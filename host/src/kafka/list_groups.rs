//! ListGroups (versions 0 to 5): every group the coordinator knows, native, classic and those
//! known only by their committed offsets, with Kafka's state names (version 4 on) and group
//! types (version 5 on; Regroup's own groups are of type `native`), filtered by state and type
//! (case-insensitive, as Kafka compares them).

use kafka_protocol::messages::GroupId;
use kafka_protocol::messages::list_groups_request::ListGroupsRequest;
use kafka_protocol::messages::list_groups_response::{ListGroupsResponse, ListedGroup};
use kafka_protocol::protocol::StrBytes;

use super::connection::Context;
use crate::group::GroupState;

/// Kafka's name of a group state.
pub(super) fn kafka_state(state: GroupState) -> &'static str {
    match state {
        GroupState::Empty => "Empty",
        GroupState::PreparingRebalance => "PreparingRebalance",
        GroupState::CompletingRebalance => "CompletingRebalance",
        GroupState::Stable => "Stable",
        GroupState::Dead => "Dead",
    }
}

pub(super) fn serve(context: &Context, request: ListGroupsRequest, version: i16) -> ListGroupsResponse {
    let wanted = |filter: &[StrBytes], value: &str| {
        filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(value))
    };
    let groups = context
        .services
        .coordinator
        .list()
        .into_iter()
        .filter(|g| version < 4 || wanted(&request.states_filter, kafka_state(g.state)))
        .filter(|g| version < 5 || wanted(&request.types_filter, g.group_type.as_str()))
        .map(|g| {
            let listed = ListedGroup::default()
                .with_group_id(GroupId(StrBytes::from_string(g.group)))
                .with_protocol_type(StrBytes::from_string(g.protocol_type.unwrap_or_default()));
            let listed = if version >= 4 {
                listed.with_group_state(StrBytes::from_static_str(kafka_state(g.state)))
            } else {
                listed
            };
            if version >= 5 {
                listed.with_group_type(StrBytes::from_static_str(g.group_type.as_str()))
            } else {
                listed
            }
        })
        .collect();
    ListGroupsResponse::default().with_groups(groups)
}
