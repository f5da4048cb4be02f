//! A strategy the registry serves, and running it: on its own thread with a deadline, or in a
//! worker process; the result is validated before anyone uses it.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

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
    pub(super) overruns: Overruns,
}

/// What in-process runs that missed their deadline left behind. Such a run's thread cannot be
/// stopped, so this version is not started again while one still runs (a looping plugin holds
/// one thread, not one per rebalance), nor for `cooldown` after it ends.
pub(super) struct Overruns {
    cooldown: Duration,
    state: Arc<OverrunState>,
    /// Where a marker file names each in-process plugin run while it lasts (crash-loop
    /// protection); `None` writes none.
    markers: Option<PathBuf>,
}

#[derive(Default)]
struct OverrunState {
    /// Abandoned runs whose threads still run.
    running: AtomicUsize,
    /// Not started again before this.
    set_aside_until: Mutex<Option<Instant>>,
}

impl Overruns {
    pub(super) fn new(cooldown: Duration, markers: Option<PathBuf>) -> Overruns {
        Overruns {
            cooldown,
            state: Arc::default(),
            markers,
        }
    }

    /// Refuses a run while an abandoned one still runs or the cool-down lasts.
    fn admit(&self) -> Result<(), RunFailure> {
        if self.state.running.load(Ordering::SeqCst) > 0 {
            return Err(RunFailure::StillRunning);
        }
        let until = *self
            .state
            .set_aside_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match until.map(|t| t.saturating_duration_since(Instant::now())) {
            Some(left) if !left.is_zero() => Err(RunFailure::SetAside(Duration::from_secs(
                left.as_secs() + u64::from(left.subsec_nanos() > 0),
            ))),
            _ => Ok(()),
        }
    }
}

impl OverrunState {
    /// An abandoned run ended: the cool-down starts now.
    fn ended(&self, cooldown: Duration) {
        *self.set_aside_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + cooldown);
        self.running.fetch_sub(1, Ordering::SeqCst);
    }
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
    ///
    /// An in-process run that missed its deadline sets this version aside: it is not started
    /// again while that run goes on, nor for the cool-down after it ([`RunFailure::StillRunning`],
    /// [`RunFailure::SetAside`]), so callers fall back at once.
    pub fn assign(&self, group: Arc<GroupSpec>, deadline: Duration) -> Result<Assignment, RunError> {
        let outcome = match &self.runner {
            Runner::Linked(assignor) => {
                let (assignor, group) = (Arc::clone(assignor), Arc::clone(&group));
                self.overruns.admit().and_then(|()| {
                    self.on_thread_with_deadline(deadline, None, move || {
                        catch_unwind(AssertUnwindSafe(|| assignor.assign(&group)))
                            .map_err(|payload| RunFailure::Panicked(panic_text(payload)))?
                            .map_err(|e| RunFailure::Returned(e.to_string()))
                    })
                })
            }
            Runner::InProcess(module) => {
                let (module, group) = (*module, Arc::clone(&group));
                let version = self.group_spec_version();
                self.overruns.admit().and_then(|()| {
                    // Named before the call: if the plugin takes the process down, the log's
                    // last line says which strategy did (and, in the coordinator's span, for
                    // which group), and the marker makes the next start isolate it.
                    tracing::info!(strategy = %self.info.name, origin = %self.source, "running in-process plugin");
                    let marker = self.write_marker();
                    self.on_thread_with_deadline(deadline, marker, move || {
                        let bytes = codec::encode_version(&*group, version);
                        let reply = (module.assign())(RSlice::from_slice(&bytes));
                        // The group's bytes (megabytes at a million owned partitions) go before
                        // the reply is decoded, whose vectors can reuse their memory.
                        drop(bytes);
                        decode_reply(reply.as_slice())
                    })
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

impl Strategy {
    /// Worker processes started for this version (restarts after failures included); `None`
    /// when it does not run in a worker.
    pub fn worker_starts(&self) -> Option<u64> {
        match &self.runner {
            Runner::Isolated(worker) => Some(worker.starts()),
            _ => None,
        }
    }
}

pub(super) fn decode_reply(bytes: &[u8]) -> Result<Assignment, RunFailure> {
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

/// A run's thread: still running, finished, or given up on by its caller.
const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const ABANDONED: u8 = 2;

impl Strategy {
    /// Writes the marker naming this in-process run; `None` if markers are off or it cannot be
    /// written (the run goes ahead: the marker only protects the next start).
    fn write_marker(&self) -> Option<PathBuf> {
        static SERIAL: AtomicU64 = AtomicU64::new(0);
        let dir = self.overruns.markers.as_ref()?;
        let path = dir.join(format!(
            "{}.{}.{}{}",
            self.info.name,
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed),
            super::markers::SUFFIX
        ));
        let text = format!("{}\n{}\n", self.info.name, self.source);
        match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, text)) {
            Ok(()) => Some(path),
            Err(error) => {
                tracing::warn!(%error, "cannot write the run marker {}", path.display());
                None
            }
        }
    }

    /// Runs `call` on its own thread, giving up on it at `deadline`; the marker goes when the
    /// call ends, however late.
    fn on_thread_with_deadline(
        &self,
        deadline: Duration,
        marker: Option<PathBuf>,
        call: impl FnOnce() -> Result<Assignment, RunFailure> + Send + 'static,
    ) -> Result<Assignment, RunFailure> {
        let (tx, rx) = mpsc::sync_channel(1);
        let state = Arc::new(AtomicU8::new(RUNNING));
        let (thread_state, overruns, cooldown) = (
            Arc::clone(&state),
            Arc::clone(&self.overruns.state),
            self.overruns.cooldown,
        );
        let spawned = thread::Builder::new()
            .name(format!("assign-{}", self.info.name))
            .spawn(move || {
                let _ = tx.send(call());
                if thread_state.swap(FINISHED, Ordering::SeqCst) == ABANDONED {
                    overruns.ended(cooldown);
                }
                if let Some(marker) = marker {
                    let _ = std::fs::remove_file(marker);
                }
            });
        if let Err(e) = spawned {
            return Err(RunFailure::Returned(format!("cannot start a thread for it: {e}")));
        }
        match rx.recv_timeout(deadline) {
            Ok(result) => result,
            Err(_) => {
                // Counted before the state says abandoned, so the thread's decrement, if it ends
                // right now, never comes first.
                let overruns = &self.overruns.state;
                overruns.running.fetch_add(1, Ordering::SeqCst);
                if state
                    .compare_exchange(RUNNING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    // It finished just now after all.
                    overruns.running.fetch_sub(1, Ordering::SeqCst);
                    return rx.recv().unwrap_or(Err(RunFailure::DeadlineExceeded(deadline)));
                }
                tracing::warn!(
                    strategy = %self.info.name,
                    "an in-process assignment overran its deadline and runs on in its thread; the strategy is set aside until it ends and for {:?} after; isolate this plugin to have such runs killed",
                    self.overruns.cooldown
                );
                Err(RunFailure::DeadlineExceeded(deadline))
            }
        }
    }
}
