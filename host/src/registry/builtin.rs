//! The strategies linked into the host: Kafka's four. The same crates also build as droppable
//! cdylibs; a plugin file with a built-in's name takes that name over until the file is removed.
//! The custom example, `capacity-weighted`, ships only as a plugin to drop in.

use std::sync::Arc;

use regroup_assignor_api::Assignor;

pub fn assignors() -> Vec<Arc<dyn Assignor>> {
    vec![
        Arc::new(regroup_range::RangeAssignor),
        Arc::new(regroup_roundrobin::RoundRobinAssignor),
        Arc::new(regroup_sticky::StickyAssignor),
        Arc::new(regroup_cooperative_sticky::CooperativeStickyAssignor),
    ]
}
