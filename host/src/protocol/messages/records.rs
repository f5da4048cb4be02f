//! Records in and out: produce, fetch, list offsets: the messages (`regroup-protocol`) and their
//! conversions to the log's types.

use crate::log::OffsetSpec;
pub use regroup_protocol::messages::records::*;

impl From<WireOffsetSpec> for OffsetSpec {
    fn from(spec: WireOffsetSpec) -> Self {
        match spec {
            WireOffsetSpec::Earliest => OffsetSpec::Earliest,
            WireOffsetSpec::Latest => OffsetSpec::Latest,
            WireOffsetSpec::Timestamp(ts) => OffsetSpec::Timestamp(ts),
        }
    }
}
