//! What the registry tells its subscribers (the coordinator) when the served strategies change.

use std::fmt;

/// One change to the strategy served under `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEvent {
    pub name: String,
    /// The version and hash now served under the name (for `Removed`: the ones withdrawn).
    pub version: String,
    pub hash: String,
    /// `built-in` or the plugin file's path.
    pub source: String,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The name is newly available.
    Added,
    /// The name is served by different code: a new version of its file, a directory plugin
    /// taking over a built-in's name, or the built-in restored when that file goes.
    Updated {
        previous_version: String,
        previous_hash: String,
        previous_source: String,
    },
    /// The name is no longer available.
    Removed,
}

impl Change {
    /// Every kind of change, for counting.
    pub const KINDS: [&'static str; 3] = ["added", "updated", "removed"];

    pub(super) fn kind_index(&self) -> usize {
        match self {
            Change::Added => 0,
            Change::Updated { .. } => 1,
            Change::Removed => 2,
        }
    }
}

impl fmt::Display for RegistryEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = &self.hash[..self.hash.len().min(12)];
        match &self.change {
            Change::Added => write!(
                f,
                "strategy {} {} added from {} ({short})",
                self.name, self.version, self.source
            ),
            Change::Updated {
                previous_version,
                previous_source,
                ..
            } => write!(
                f,
                "strategy {} updated: {previous_version} from {previous_source} -> {} from {} ({short})",
                self.name, self.version, self.source
            ),
            Change::Removed => write!(
                f,
                "strategy {} {} from {} removed",
                self.name, self.version, self.source
            ),
        }
    }
}
