//! What the running host serves: its strategies, and the plugin files it rejected.

use serde::{Deserialize, Serialize};

use super::groups::Protocol;

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
