//! DeleteGroups (versions 0 to 2): each empty group is deleted with its committed offsets; a
//! group with members gets NON_EMPTY_GROUP, one the coordinator does not know GROUP_ID_NOT_FOUND.

use kafka_protocol::messages::delete_groups_request::DeleteGroupsRequest;
use kafka_protocol::messages::delete_groups_response::{DeletableGroupResult, DeleteGroupsResponse};

use super::connection::Context;
use super::error::{blocking_group, group_code};

pub(super) async fn serve(context: &Context, request: DeleteGroupsRequest) -> DeleteGroupsResponse {
    let mut results = Vec::with_capacity(request.groups_names.len());
    for group_id in request.groups_names {
        let coordinator = context.services.coordinator.clone();
        let name = group_id.0.to_string();
        let outcome = blocking_group(move || coordinator.delete_group(&name)).await;
        let code = outcome.map_or_else(|refused| group_code(&refused), |()| 0);
        results.push(
            DeletableGroupResult::default()
                .with_group_id(group_id)
                .with_error_code(code),
        );
    }
    DeleteGroupsResponse::default().with_results(results)
}
