//! Why a plugin file was rejected ([`LoadError`]) and why an assignment run failed ([`RunError`]).

use std::time::Duration;

use regroup_assignor_api::kit::Violation;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a plugin file is not serving. Serializable: the probe process sends it to the host.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum LoadError {
    #[error("cannot read it: {0}")]
    Io(String),
    #[error("not a shared library ({0})")]
    NotALibrary(String),
    #[error("truncated or still being written: {0}")]
    Truncated(String),
    #[error("a shared library but not a Regroup plugin: it exports no `regroup_assignor_v1_*` root module")]
    NotAPlugin,
    #[error(
        "exports the root modules of several crates ({0}): a plugin crate must not depend on another plugin crate; share code through a plain library"
    )]
    SeveralRoots(String),
    #[error("the dynamic loader refused it: {0}")]
    Open(String),
    /// `summary` is a few lines; `detail` is abi_stable's whole report, logged at debug level.
    #[error("built against an incompatible plugin contract: {summary}")]
    IncompatibleContract { summary: String, detail: String },
    #[error("its root module failed to initialise: {0}")]
    Init(String),
    #[error("panicked while loading: {0}")]
    LoadPanicked(String),
    #[error("failed to describe itself: {0}")]
    InfoFailed(String),
    #[error("its self-description is invalid: {0}")]
    BadInfo(String),
    #[error("crashed while loading ({0}); the probe process took the hit, the host is unharmed")]
    ProbeCrashed(String),
    #[error("did not finish loading within {0} ms in the probe process")]
    ProbeHung(u64),
    #[error("the probe process failed: {0}")]
    Probe(String),
    #[error("strategy name {name:?} is already served by {holder}")]
    NameTaken { name: String, holder: String },
    #[error("its assign call failed on a test group: {0}")]
    AssignFailed(String),
    #[error("its assign call on a test group did not finish within the {0} ms deadline")]
    AssignHung(u64),
    #[error("crashed in its assign call on a test group ({0}); the probe process took the hit")]
    AssignCrashed(String),
    #[error("checking it failed inside the host ({0}); the file is rejected and other files are unaffected")]
    CheckPanicked(String),
}

impl LoadError {
    /// The long form, for debug logs: abi_stable's full layout report where there is one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            LoadError::IncompatibleContract { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

/// Why running a strategy produced no usable assignment.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("strategy {strategy:?} ({origin}) {failure}")]
pub struct RunError {
    pub strategy: String,
    /// `built-in` or the plugin file's path.
    pub origin: String,
    pub failure: RunFailure,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RunFailure {
    #[error("is not available")]
    Unknown,
    #[error("returned an error: {0}")]
    Returned(String),
    #[error("panicked: {0}")]
    Panicked(String),
    #[error("missed its deadline of {0:?}")]
    DeadlineExceeded(Duration),
    #[error("returned an invalid assignment: {0}")]
    Invalid(Violation),
    #[error("lost its worker process: {0}")]
    WorkerDied(String),
    #[error("replied with unreadable bytes: {0}")]
    BadReply(String),
    #[error(
        "was not started: an earlier in-process run that missed its deadline is still running (its thread cannot be stopped; isolate this plugin to have such runs killed)"
    )]
    StillRunning,
    #[error("is set aside for another {0:?} after an in-process run missed its deadline")]
    SetAside(Duration),
}

impl RunFailure {
    /// Every value [`RunFailure::kind`] gives, in a fixed order.
    pub const KINDS: [&'static str; 7] = [
        "unknown",
        "error",
        "panic",
        "deadline",
        "invalid",
        "worker-died",
        "set-aside",
    ];

    /// The failure's kind, for counting: a short fixed name.
    pub fn kind(&self) -> &'static str {
        Self::KINDS[self.kind_index()]
    }

    fn kind_index(&self) -> usize {
        match self {
            RunFailure::Unknown => 0,
            RunFailure::Returned(_) => 1,
            RunFailure::Panicked(_) => 2,
            RunFailure::DeadlineExceeded(_) => 3,
            RunFailure::Invalid(_) | RunFailure::BadReply(_) => 4,
            RunFailure::WorkerDied(_) => 5,
            RunFailure::StillRunning | RunFailure::SetAside(_) => 6,
        }
    }
}

/// How a strategy's runs went, by name, since the host started.
#[derive(Debug, Default)]
pub struct RunStats {
    /// How long each run took, failed ones included.
    pub duration: crate::stats::LatencyHistogram,
    /// Failed runs by [`RunFailure::KINDS`], in that order.
    pub failures: [crate::stats::Count; RunFailure::KINDS.len()],
}

impl RunStats {
    pub fn failed(&self, failure: &RunFailure) {
        self.failures[failure.kind_index()].add(1);
    }
}
