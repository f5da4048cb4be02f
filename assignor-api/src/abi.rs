//! The frozen FFI surface between the host and a plugin: two functions over bytes.
//!
//! Everything that can grow (the group, the result, the assignor's self-description) crosses as a
//! version-tagged [`crate::codec`] envelope, so this layout never has to change: abi_stable
//! refuses a plugin whose prefix type differs from the host's (abi_stable issue #118), and a tiny,
//! frozen prefix keeps every plugin built against interface 1.x loadable.

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{RSlice, RVec};
use abi_stable::{StableAbi, declare_root_module_statics, package_version_strings};
use serde::{Deserialize, Serialize};

use crate::codec::{self, Envelope};
use crate::model::{Assignment, AssignorInfo, GroupSpec};

/// Prefix of every exported root-module symbol; the crate name follows, so several strategies
/// can be linked into one binary as built-ins without their exports clashing.
pub const ROOT_SYMBOL_PREFIX: &str = "regroup_assignor_v1_";

/// The root module a plugin exports. Fields are never added, removed or reordered.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = AssignorModRef)))]
#[sabi(missing_field(panic))]
pub struct AssignorMod {
    /// Returns an [`InfoReply`] envelope.
    pub info: extern "C" fn() -> RVec<u8>,
    /// Takes a [`GroupSpec`] envelope and returns an [`AssignReply`] envelope.
    #[sabi(last_prefix_field)]
    pub assign: extern "C" fn(RSlice<'_, u8>) -> RVec<u8>,
}

impl RootModule for AssignorModRef {
    declare_root_module_statics! {AssignorModRef}
    const BASE_NAME: &'static str = "regroup_assignor";
    const NAME: &'static str = "regroup assignor";
    const VERSION_STRINGS: VersionStrings = package_version_strings!();
}

/// Why a plugin call produced no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginFailure {
    /// True when the plugin panicked (caught at the boundary), false when it returned an error.
    pub panicked: bool,
    pub message: String,
}

/// What `assign` returns across the boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignReply(pub Result<Assignment, PluginFailure>);

/// What `info` returns across the boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoReply(pub Result<AssignorInfo, PluginFailure>);

/// Version 1: the group as contract 1.0 knew it. Version 2 appends [`GroupSpec::group_id`].
impl Envelope for GroupSpec {
    const TAG: [u8; 4] = *b"RGGS";
    const VERSION: u16 = crate::model::wire::NEWEST;
    const OLDEST: u16 = 1;

    fn size_hint(&self) -> usize {
        // Per member: its strings and packed arrays with their length prefixes; one distinct
        // subscription counted (groups have few); per topic its name, count and racks.
        let members: usize = self
            .members
            .iter()
            .map(|m| {
                m.id.len()
                    + m.instance_id.as_ref().map_or(0, String::len)
                    + m.rack.as_ref().map_or(0, String::len)
                    + m.user_data.len()
                    + m.owned.len() * 8
                    + 40
            })
            .sum();
        let topics: usize = self
            .topics
            .iter()
            .map(|t| {
                let racks = t.replica_racks.as_ref().map_or(0, |racks| {
                    racks
                        .iter()
                        .map(|r| r.iter().map(|s| s.len() + 1).sum::<usize>() + 1)
                        .sum()
                });
                t.name.len() + racks + 16
            })
            .sum();
        let subscription = self.members.first().map_or(0, |m| m.topics.len() * 4 + 8);
        members + topics + subscription + self.group_id.as_ref().map_or(0, String::len) + 32
    }

    fn serialize_version<S: serde::Serializer>(
        &self,
        version: u16,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        crate::model::wire::write(self, version, serializer)
    }

    fn deserialize_version<'de, D: serde::Deserializer<'de>>(
        version: u16,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        crate::model::wire::read(version, deserializer)
    }
}

impl Envelope for AssignReply {
    const TAG: [u8; 4] = *b"RGAR";
    const VERSION: u16 = 1;

    fn size_hint(&self) -> usize {
        match &self.0 {
            // Per member: its id and two packed arrays with their length prefixes.
            Ok(assignment) => {
                assignment
                    .members
                    .iter()
                    .map(|m| m.member_id.len() + m.partitions.len() * 8 + m.user_data.len() + 24)
                    .sum::<usize>()
                    + 16
            }
            Err(failure) => failure.message.len() + 16,
        }
    }
}

/// Version 1: the self-description of contract 1.0. Version 2 appends [`AssignorInfo::reads`].
impl Envelope for InfoReply {
    const TAG: [u8; 4] = *b"RGIR";
    const VERSION: u16 = 2;
    const OLDEST: u16 = 1;

    fn serialize_version<S: serde::Serializer>(
        &self,
        version: u16,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if version >= 2 {
            return self.serialize(serializer);
        }
        let v1 = self.0.as_ref().map(|info| InfoV1 {
            name: info.name.clone(),
            version: info.version.clone(),
            description: info.description.clone(),
            protocols: info.protocols.clone(),
        });
        v1.serialize(serializer)
    }

    fn deserialize_version<'de, D: serde::Deserializer<'de>>(
        version: u16,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        if version >= 2 {
            return Self::deserialize(deserializer);
        }
        let v1 = Result::<InfoV1, PluginFailure>::deserialize(deserializer)?;
        Ok(InfoReply(v1.map(|info| {
            let mut full = AssignorInfo::new(&info.name, &info.version, &info.description, &info.protocols);
            // A plugin of contract 1.0 declares nothing: it reads version 1 of everything.
            full.reads = Vec::new();
            full
        })))
    }
}

/// [`AssignorInfo`] as contract 1.0 wrote it.
#[derive(Serialize, Deserialize)]
struct InfoV1 {
    name: String,
    version: String,
    description: String,
    protocols: Vec<crate::model::Protocol>,
}

/// The version of the [`GroupSpec`] envelope to send a plugin that describes itself with `info`:
/// the newest both sides read, `None` if they share none.
pub fn group_spec_version(info: &AssignorInfo) -> Option<u16> {
    codec::Reads::newest_shared::<GroupSpec>(&info.reads)
}

/// Calls the plugin's `assign` on an encoded group and decodes its reply.
pub fn call_assign(module: AssignorModRef, spec_bytes: &[u8]) -> Result<AssignReply, codec::CodecError> {
    let reply = (module.assign())(RSlice::from_slice(spec_bytes));
    codec::decode(reply.as_slice())
}

/// Calls the plugin's `info` and decodes its reply.
pub fn call_info(module: AssignorModRef) -> Result<InfoReply, codec::CodecError> {
    let reply = (module.info())();
    codec::decode(reply.as_slice())
}
