//! The contract between the Regroup host and partition-assignment plugins.
//!
//! A plugin is an ordinary crate built as a `cdylib` (and an `rlib`, so the host can link it in as
//! a built-in). Its author implements [`Assignor`] with plain std types and calls
//! [`export_assignor!`] once; no FFI type is ever written by hand.
//!
//! - [`model`]: what an assignor sees ([`GroupSpec`]) and returns ([`Assignment`]).
//! - [`kit`]: validity, balance and movement checks, so an assignor is tested in a few lines.
//! - [`racks`]: rack ids and Kafka's rule for rack-aware assignment (KIP-881).
//! - [`codec`]: the one codec of the project: version-tagged bincode envelopes (re-exported from
//!   `regroup-codec`, which the wire protocol shares).
//! - [`abi`]: the frozen FFI surface: a name and two functions over bytes.
//!
//! ```
//! use regroup_assignor_api::model::*;
//! use regroup_assignor_api::{Assignor, AssignError, kit};
//!
//! /// Gives every partition to the member that sorts first.
//! pub struct AllToFirst;
//!
//! impl Assignor for AllToFirst {
//!     fn info(&self) -> AssignorInfo {
//!         AssignorInfo::new("all-to-first", "1.0.0", "Every partition to one member", &[Protocol::Eager])
//!     }
//!     fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError> {
//!         let mut out = Assignment::empty_for(group);
//!         let first = (0..group.members.len()).min_by_key(|&i| &group.members[i].id).ok_or("no members")?;
//!         for &t in &group.members[first].topics {
//!             out.members[first].partitions.extend(group.partitions_of(t));
//!         }
//!         Ok(out)
//!     }
//! }
//! // In a plugin crate: regroup_assignor_api::export_assignor!(AllToFirst);
//!
//! let group = GroupSpec::builder().topic("t", 4).member("a", &["t"]).member("b", &["t"]).build();
//! let out = AllToFirst.assign(&group).unwrap();
//! kit::validate(&group, &out).unwrap();
//! assert_eq!(kit::balance(&group, &out).spread(), 4);
//! ```

pub mod abi;
pub use regroup_codec as codec;
mod export;
pub mod kit;
pub mod model;
pub mod racks;

#[cfg(test)]
mod codec_tests;

pub use model::{
    Assignment, AssignorInfo, GroupSpec, Member, MemberAssignment, Protocol, Topic, TopicId, TopicPartition,
};

/// An assignor's error: anything that converts into a boxed error (`"text".into()`, `?` on most errors).
pub type AssignError = Box<dyn std::error::Error + Send + Sync>;

/// A partition-assignment strategy.
///
/// Calls come one group at a time, possibly from several threads; keep no per-group state between
/// calls (everything an assignor may use, including what members owned, is in the [`GroupSpec`]).
/// A panic is caught at the plugin boundary and reported as an error.
pub trait Assignor: Send + Sync {
    /// Name, version, description and supported protocols. Called once at load.
    fn info(&self) -> AssignorInfo;

    /// Assigns the group's partitions. The host validates the result with [`kit::validate`].
    fn assign(&self, group: &GroupSpec) -> Result<Assignment, AssignError>;
}

#[doc(hidden)]
pub mod __private {
    pub use crate::export::*;
    pub use abi_stable::std_types::{RSlice, RVec};
}
