//! [`PartitionName`]: one partition of one topic, by name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One partition of one topic, by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartitionName {
    pub topic: String,
    pub partition: u32,
}

impl PartitionName {
    pub fn new(topic: &str, partition: u32) -> Self {
        PartitionName {
            topic: topic.to_owned(),
            partition,
        }
    }
}

impl fmt::Display for PartitionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}
