//! A strategy the registry serves, and running it: on its own thread with a deadline, or in a
//! worker process; the result is validated before anyone uses it.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use abi_stable::std_types::RSlice;
use regroup_assignor_api::abi::{self, AssignReply, AssignorModRef};
use regroup_assignor_api::model::{Assignment, AssignorInfo, GroupSpec};
use regroup_assignor_api::{Assignor, codec, kit};
use serde::{Deserialize, Serialize};

use super::child::{Worker, WorkerFailure};
use super::error::{RunError, RunFailure};

/// Where a strategy's code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Linked into the host.
    Builtin,
    /// Loaded from a file in the plugin directory (`path`), through a shadow copy (`shadow`).
    File { path: PathBuf, shadow: PathBuf },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builtin => f.write_str("built-in"),
            Source::File { path, .. } => write!(f, "{}", path.display()),
        }
    }
}

/// Where a plugin's code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// In the host process: fastest; a crash or an endless loop there is the host's.
    #[default]
    InProcess,
    /// In a worker process fed the same bytes over a pipe, killed at the deadline.
    Isolated,
}

impl fmt::Display for Isolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Isolation::InProcess => "in-process",
            Isolation::Isolated => "isolated",
        })
    }
}

pub(super) enum Runner {
    Linked(Arc<dyn Assignor>),
    InProcess(AssignorModRef),
    Isolated(Worker),
}

/// One version of one strategy. Replacing a plugin makes a new `Strategy`; calls already holding
/// the old one finish on it.
pub struct Strategy {
    pub info: AssignorInfo,
    pub source: Source,
    /// SHA-256 of the plugin file (hex), or `built-in`.
    pub hash: String,
    pub isolation: Isolation,
    pub(super) runner: Runner,
}

impl fmt::Debug for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Strategy")
            .field("name", &self.info.name)
            .field("version", &self.info.version)
            .field("source", &self.source)
            .field("hash", &self.hash)
            .field("isolation", &self.isolation)
            .finish()
    }
}

impl Strategy {
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The first 12 hex digits of the content hash, for display.
    pub fn short_hash(&self) -> &str {
        &self.hash[..self.hash.len().min(12)]
    }

    fn error(&self, failure: RunFailure) -> RunError {
        RunError {
            strategy: self.info.name.clone(),
            origin: self.source.to_string(),
            failure,
        }
    }

    /// The newest version of the group envelope the plugin reads (the load refused plugins that
    /// share none with this host).
    fn group_spec_version(&self) -> u16 {
        abi::group_spec_version(&self.info).unwrap_or(1)
    }

    /// Runs the strategy on `group` and validates the result. An in-process run that misses the
    /// deadline is abandoned (its thread cannot be stopped and runs on); an isolated one is killed.
    pub fn assign(&self, group: Arc<GroupSpec>, deadline: Duration) -> Result<Assignment, RunError> {
        let outcome = match &self.runner {
            Runner::Linked(assignor) => {
                let (assignor, group) = (Arc::clone(assignor), Arc::clone(&group));
                on_thread_with_deadline(&self.info.name, deadline, move || {
                    catch_unwind(AssertUnwindSafe(|| assignor.assign(&group)))
                        .map_err(|payload| RunFailure::Panicked(panic_text(payload)))?
                        .map_err(|e| RunFailure::Returned(e.to_string()))
                })
            }
            Runner::InProcess(module) => {
                let (module, group) = (*module, Arc::clone(&group));
                let version = self.group_spec_version();
                on_thread_with_deadline(&self.info.name, deadline, move || {
                    let bytes = codec::encode_version(&*group, version);
                    let reply = (module.assign())(RSlice::from_slice(&bytes));
                    decode_reply(reply.as_slice())
                })
            }
            Runner::Isolated(worker) => match worker.call(
                &codec::encode_version(&*group, self.group_spec_version()),
                deadline,
            ) {
                Ok(bytes) => decode_reply(&bytes),
                Err(WorkerFailure::Deadline) => Err(RunFailure::DeadlineExceeded(deadline)),
                Err(WorkerFailure::Died(how)) => Err(RunFailure::WorkerDied(how)),
            },
        };
        let assignment = outcome.map_err(|failure| self.error(failure))?;
        kit::validate(&group, &assignment).map_err(|v| self.error(RunFailure::Invalid(v)))?;
        Ok(assignment)
    }
}

fn decode_reply(bytes: &[u8]) -> Result<Assignment, RunFailure> {
    let AssignReply(reply) = codec::decode(bytes).map_err(|e| RunFailure::BadReply(e.to_string()))?;
    reply.map_err(|f| {
        if f.panicked {
            RunFailure::Panicked(f.message)
        } else {
            RunFailure::Returned(f.message)
        }
    })
}

impl Drop for Strategy {
    fn drop(&mut self) {
        // No call holds this version any more. A loaded library stays mapped, which unlinking
        // does not disturb; a worker exits with its `Worker`.
        if let Source::File { shadow, .. } = &self.source {
            let _ = std::fs::remove_file(shadow);
        }
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic with a non-string payload".to_owned())
}

/// Runs `call` on its own thread, giving up on it at `deadline`.
fn on_thread_with_deadline(
    name: &str,
    deadline: Duration,
    call: impl FnOnce() -> Result<Assignment, RunFailure> + Send + 'static,
) -> Result<Assignment, RunFailure> {
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name(format!("assign-{name}"))
        .spawn(move || {
            let _ = tx.send(call());
        });
    if let Err(e) = spawned {
        return Err(RunFailure::Returned(format!("cannot start a thread for it: {e}")));
    }
    rx.recv_timeout(deadline).map_err(|_| {
        tracing::warn!(
            strategy = name,
            "an in-process assignment overran its deadline and runs on in its thread; isolate this plugin to have it killed"
        );
        RunFailure::DeadlineExceeded(deadline)
    })?
}
