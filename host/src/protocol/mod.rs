//! The wire protocol as the server uses it: everything the client shares lives in
//! `regroup-protocol` (frames, the handshake, messages, error codes) and is re-exported here under
//! its old paths; this module adds what only the host has.
//!
//! - `fetched.rs`: [`FetchedFrame`], a fetch answer's frame built with the batches read in place.
//! - `core.rs`: conversions between the wire's messages and the core's types (groups, offsets,
//!   topics, the registry's strategies, log and group errors).

mod core;
mod fetched;

pub use regroup_protocol::*;

pub use core::{
    CommitOffsetsExt, CreateTopicExt, JoinGroupExt, OffsetCommitExt, PluginListExt, apply_configs,
    wire_protocol,
};
pub use fetched::{FetchedFrame, ReadBounds};

/// [`regroup_protocol::messages`], with the host's conversions beside the messages they convert.
pub mod messages {
    pub use regroup_protocol::messages::*;

    pub mod groups {
        pub use regroup_protocol::messages::groups::*;
    }
    pub mod offsets {
        pub use regroup_protocol::messages::offsets::*;
    }
    pub mod plugins {
        pub use regroup_protocol::messages::plugins::*;
    }
    pub mod records {
        pub use regroup_protocol::messages::records::*;
    }
    pub mod topics {
        pub use super::super::core::apply_configs;
        pub use regroup_protocol::messages::topics::*;
    }
}
