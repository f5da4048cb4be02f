//! The wire protocol as the server uses it: everything the client shares lives in
//! `regroup-protocol` (frames, the handshake, messages, error codes) and is re-exported here under
//! its old paths; this module adds what only the host has.
//!
//! - `fetched.rs`: [`FetchedFrame`], a fetch answer's frame built with the batches read in place.
//! - `messages/`: one module per family of requests: the shared messages and their conversions
//!   to and from the core's types (a method on a message is an extension trait, under its old
//!   name, as the message types live in another crate).
//! - `core.rs`: the log's and the coordinator's errors as wire errors.

mod core;
mod fetched;

#[cfg(test)]
mod fuzz;

pub use regroup_protocol::*;

pub use fetched::{FetchedFrame, ReadBounds};
pub use messages::groups::{JoinGroupExt, wire_protocol};
pub use messages::offsets::{CommitOffsetsExt, OffsetCommitExt};
pub use messages::plugins::PluginListExt;
pub use messages::topics::{CreateTopicExt, apply_configs};

/// [`regroup_protocol::messages`], with the host's conversions beside the messages they convert.
pub mod messages {
    pub use regroup_protocol::messages::*;

    pub mod groups;
    pub mod offsets;
    pub mod plugins;
    pub mod records;
    pub mod topics;
}
