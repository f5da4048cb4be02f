//! What the running host serves: its strategies, and the plugin files it rejected: the messages
//! (`regroup-protocol`) and how the registry fills them.

use super::groups::wire_protocol;
use crate::registry::Registry;
pub use regroup_protocol::messages::plugins::*;

/// The registry's strategies and rejected files, as the wire lists them.
pub trait PluginListExt {
    fn of(registry: &Registry) -> PluginList;
}

impl PluginListExt for PluginList {
    fn of(registry: &Registry) -> PluginList {
        PluginList {
            strategies: registry
                .strategies()
                .iter()
                .map(|s| PluginInfo {
                    name: s.info.name.clone(),
                    version: s.info.version.clone(),
                    description: s.info.description.clone(),
                    protocols: s.info.protocols.iter().map(|&p| wire_protocol(p)).collect(),
                    isolation: s.isolation.to_string(),
                    hash: s.hash.clone(),
                    source: s.source.to_string(),
                })
                .collect(),
            rejected: registry
                .rejected()
                .into_iter()
                .map(|r| RejectedPlugin {
                    path: r.path.display().to_string(),
                    reason: r.error.to_string(),
                })
                .collect(),
        }
    }
}
