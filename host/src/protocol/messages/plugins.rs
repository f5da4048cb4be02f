//! What the running host serves: its strategies, and the plugin files it rejected.

use regroup_assignor_api::model::Protocol;
use serde::{Deserialize, Serialize};

use crate::registry::Registry;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub protocols: Vec<Protocol>,
    /// `in-process` or `isolated`.
    pub isolation: String,
    /// Content hash of the plugin file, or `built-in`.
    pub hash: String,
    /// `built-in` or the plugin file's path.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedPlugin {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginList {
    pub strategies: Vec<PluginInfo>,
    pub rejected: Vec<RejectedPlugin>,
}

impl PluginList {
    pub fn of(registry: &Registry) -> PluginList {
        PluginList {
            strategies: registry
                .strategies()
                .iter()
                .map(|s| PluginInfo {
                    name: s.info.name.clone(),
                    version: s.info.version.clone(),
                    description: s.info.description.clone(),
                    protocols: s.info.protocols.clone(),
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
