//! Rebalance callbacks: what a consumer tells its application when partitions come and go.

use regroup_protocol::messages::groups::Protocol;

use regroup_protocol::PartitionName;

/// The assignment a consumer holds after a join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAssignment {
    pub member_id: String,
    pub generation: i32,
    /// The strategy that made it.
    pub strategy: Option<String>,
    pub protocol: Protocol,
    /// Every partition the consumer owns now.
    pub partitions: Vec<PartitionName>,
    /// The assignor's data for this member.
    pub user_data: Vec<u8>,
}

/// Called from `poll` (and `close`) on the consumer's task, as in Kafka.
pub trait RebalanceListener: Send {
    /// `partitions` are newly owned; `assignment` is the whole of it.
    fn on_partitions_assigned(&mut self, partitions: &[PartitionName], assignment: &GroupAssignment) {
        let _ = (partitions, assignment);
    }
    /// `partitions` are given up in an orderly way (auto-commit, if on, has run).
    fn on_partitions_revoked(&mut self, partitions: &[PartitionName]) {
        let _ = partitions;
    }
    /// `partitions` were lost: the session expired or the member was fenced; they may already
    /// belong to another member, so commit nothing.
    fn on_partitions_lost(&mut self, partitions: &[PartitionName]) {
        let _ = partitions;
    }
}

/// One callback, as a value (see the `RebalanceListener` impl on a channel sender).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebalanceEvent {
    Assigned(Vec<PartitionName>, GroupAssignment),
    Revoked(Vec<PartitionName>),
    Lost(Vec<PartitionName>),
}

/// Sends every callback down a channel: handy to watch rebalances from another task.
impl RebalanceListener for std::sync::mpsc::Sender<RebalanceEvent> {
    fn on_partitions_assigned(&mut self, partitions: &[PartitionName], assignment: &GroupAssignment) {
        let _ = self.send(RebalanceEvent::Assigned(partitions.to_vec(), assignment.clone()));
    }
    fn on_partitions_revoked(&mut self, partitions: &[PartitionName]) {
        let _ = self.send(RebalanceEvent::Revoked(partitions.to_vec()));
    }
    fn on_partitions_lost(&mut self, partitions: &[PartitionName]) {
        let _ = self.send(RebalanceEvent::Lost(partitions.to_vec()));
    }
}
