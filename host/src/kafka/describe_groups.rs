//! DescribeGroups (versions 0 to 5): each group's state, protocol type and protocol, and, for
//! a classic group, each member with its client id, host, metadata and assignment untouched. A
//! group the coordinator does not know is answered as Kafka does, state `Dead` and no error; a
//! native group's members carry no Kafka metadata.

use kafka_protocol::messages::describe_groups_request::DescribeGroupsRequest;
use kafka_protocol::messages::describe_groups_response::{
    DescribeGroupsResponse, DescribedGroup, DescribedGroupMember,
};
use kafka_protocol::protocol::StrBytes;

use super::connection::Context;
use super::list_groups::kafka_state;
use crate::group::GroupState;

pub(super) fn serve(
    context: &Context,
    request: DescribeGroupsRequest,
    version: i16,
) -> DescribeGroupsResponse {
    let coordinator = &context.services.coordinator;
    let groups = request
        .groups
        .into_iter()
        .map(|group_id| {
            let name = group_id.0.to_string();
            let described = DescribedGroup::default().with_group_id(group_id);
            let Ok(description) = coordinator.describe(&name) else {
                return described.with_group_state(StrBytes::from_static_str(kafka_state(GroupState::Dead)));
            };
            let members = match coordinator.classic_members(&name) {
                Some(members) => members
                    .into_iter()
                    .map(|m| {
                        let member = DescribedGroupMember::default()
                            .with_member_id(StrBytes::from_string(m.member_id))
                            .with_client_id(StrBytes::from_string(m.client_id))
                            .with_client_host(StrBytes::from_string(m.client_host))
                            .with_member_metadata(m.metadata.into())
                            .with_member_assignment(m.assignment.into());
                        if version >= 4 {
                            member.with_group_instance_id(m.instance_id.map(StrBytes::from_string))
                        } else {
                            member
                        }
                    })
                    .collect(),
                None => description
                    .members
                    .iter()
                    .map(|m| {
                        DescribedGroupMember::default()
                            .with_member_id(StrBytes::from_string(m.member_id.clone()))
                    })
                    .collect(),
            };
            described
                .with_group_state(StrBytes::from_static_str(kafka_state(description.state)))
                .with_protocol_type(StrBytes::from_string(
                    description.protocol_type.unwrap_or_default(),
                ))
                .with_protocol_data(StrBytes::from_string(
                    description.strategy.map(|s| s.name).unwrap_or_default(),
                ))
                .with_members(members)
        })
        .collect();
    DescribeGroupsResponse::default().with_groups(groups)
}
