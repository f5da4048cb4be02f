//! The plugin registry: which strategies the host serves, and running them safely.
//!
//! - `builtin`: the strategies linked into the host.
//! - `scan`: the plugin directory as files: listing, waiting for a file to settle, hashing.
//! - `elf`, `loader`: structural checks, then loading a library in this process.
//! - `child`: the probe and worker child processes that take the risk of untrusted code.
//! - `strategy`: one served strategy and running it (deadline, isolation, validation).
//! - `events`: what subscribers hear when the served set changes.
//!
//! The directory is the truth: a periodic rescan compares it with what is served, and file-system
//! events only make the next rescan come sooner. A changed file is loaded from a fresh shadow copy
//! (dlopen of a path already loaded returns the old image, and overwriting a mapped file in place
//! kills the process), so the old version keeps serving calls already running on it.

mod builtin;
mod child;
mod elf;
mod error;
mod events;
mod loader;
mod markers;
mod scan;
mod strategy;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use regroup_assignor_api::model::{Assignment, GroupSpec};

pub use child::{
    ASSIGN_PROBE_COMMAND, PROBE_COMMAND, TestRun, WORKER_COMMAND, assign_probe_main, probe_main, worker_main,
};
pub use error::{LoadError, RunError, RunFailure, RunStats};
pub use events::{Change, RegistryEvent};
pub use strategy::{Isolation, Source, Strategy};

use scan::{Outcome, Scanner};

/// How the registry finds, checks and runs plugins.
#[derive(Debug, Clone)]
pub struct RegistryConfig {
    /// Where plugin files are dropped; `None` serves the built-ins only.
    pub plugin_dir: Option<PathBuf>,
    /// The `regroup` binary, which runs probes and isolated workers.
    pub helper_exe: PathBuf,
    /// How often the directory is compared with what is served, events or not.
    pub rescan_interval: Duration,
    /// How long a file's size, time and inode must stay unchanged before it is read.
    pub settle_time: Duration,
    /// How long one assignment may take.
    pub deadline: Duration,
    /// How long a probe load may take before it is killed.
    pub probe_timeout: Duration,
    /// Where plugins run unless `isolation` names them.
    pub default_isolation: Isolation,
    /// Isolation per strategy name.
    pub isolation: BTreeMap<String, Isolation>,
    /// The most heap (RLIMIT_DATA) an isolated worker may take, so an allocating plugin costs its
    /// worker and never the machine; `None` for no limit. (An in-process plugin cannot be bounded.)
    pub worker_max_memory: Option<u64>,
    /// How long a strategy whose in-process run missed its deadline is set aside (not run,
    /// so groups fall back at once) after that run ends.
    pub overrun_cooldown: Duration,
    /// Where in-process plugin runs leave a marker while they last; markers left by an earlier
    /// process (one that died during such a run) make those strategies run isolated. `None`
    /// keeps no markers.
    pub run_markers: Option<PathBuf>,
}

impl RegistryConfig {
    /// Defaults: rescans every second, files settle for 200 ms, assignments get 10 s, isolated
    /// workers 4 GiB of heap.
    pub fn new(plugin_dir: Option<PathBuf>, helper_exe: PathBuf) -> Self {
        RegistryConfig {
            plugin_dir,
            helper_exe,
            rescan_interval: Duration::from_secs(1),
            settle_time: Duration::from_millis(200),
            deadline: Duration::from_secs(10),
            probe_timeout: Duration::from_secs(10),
            default_isolation: Isolation::InProcess,
            isolation: BTreeMap::new(),
            worker_max_memory: Some(4 << 30),
            overrun_cooldown: Duration::from_secs(300),
            run_markers: None,
        }
    }

    fn isolation_for(&self, name: &str) -> Isolation {
        self.isolation
            .get(name)
            .copied()
            .unwrap_or(self.default_isolation)
    }
}

/// How long [`Registry::start`] waits for files that are still settling.
const STARTUP_SETTLE_LIMIT: Duration = Duration::from_secs(5);

/// A plugin file that is not serving, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFile {
    pub path: PathBuf,
    pub error: LoadError,
}

/// The registry handle; clones share one registry.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    config: RegistryConfig,
    builtins: BTreeMap<String, Arc<Strategy>>,
    /// The file table; held for a whole rescan, so rescans never overlap.
    scanner: Mutex<Scanner>,
    /// What is served now, by name. Held only to read or swap the map.
    active: Mutex<BTreeMap<String, Arc<Strategy>>>,
    subscribers: Mutex<Vec<mpsc::Sender<RegistryEvent>>>,
    /// Runs by strategy name; an entry is made at a name's first run and kept.
    runs: Mutex<BTreeMap<String, Arc<RunStats>>>,
    /// Changes to the served set, by [`Change::KINDS`].
    changes: [crate::stats::Count; Change::KINDS.len()],
    /// Shadow copies live here and go with the registry.
    _shadow_dir: tempfile::TempDir,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot create the shadow directory for plugin copies: {0}")]
    ShadowDir(std::io::Error),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a registry lock leaves consistent data (every update is a swap).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Registry {
    /// Builds the registry and loads every plugin in the directory, waiting for files that are
    /// still settling (a few seconds at most; later rescans, [`Registry::rescan`] or
    /// [`Registry::watch`], pick up the rest).
    pub fn start(mut config: RegistryConfig) -> Result<Registry, RegistryError> {
        if let Some(dir) = &config.run_markers {
            for (name, origin) in markers::take(dir) {
                tracing::warn!(
                    "strategy {name} ({origin}) was running in-process when the last host process ended (a crash?): it runs isolated in this process"
                );
                config.isolation.insert(name, Isolation::Isolated);
            }
        }
        let shadow_dir = tempfile::Builder::new()
            .prefix("regroup-plugins-")
            .tempdir()
            .map_err(RegistryError::ShadowDir)?;
        let builtins: BTreeMap<String, Arc<Strategy>> = builtin::assignors()
            .into_iter()
            .map(|assignor| {
                let strategy = Strategy {
                    info: assignor.info(),
                    source: Source::Builtin,
                    hash: "built-in".to_owned(),
                    isolation: Isolation::InProcess,
                    runner: strategy::Runner::Linked(assignor),
                    overruns: strategy::Overruns::new(config.overrun_cooldown, None),
                };
                (strategy.info.name.clone(), Arc::new(strategy))
            })
            .collect();
        if let Some(dir) = &config.plugin_dir
            && !dir.is_dir()
        {
            tracing::warn!(
                "plugin directory {} does not exist (yet): serving the built-ins",
                dir.display()
            );
        }
        let scanner = Scanner::new(shadow_dir.path().to_owned());
        let registry = Registry {
            inner: Arc::new(Inner {
                active: Mutex::new(builtins.clone()),
                builtins,
                scanner: Mutex::new(scanner),
                subscribers: Mutex::new(Vec::new()),
                runs: Mutex::new(BTreeMap::new()),
                changes: Default::default(),
                config,
                _shadow_dir: shadow_dir,
            }),
        };
        // Files written just before start need their settle time; one still changing after a few
        // seconds is left to later rescans rather than holding the host back.
        let started = Instant::now();
        while registry.rescan() && started.elapsed() < STARTUP_SETTLE_LIMIT {
            thread::sleep(registry.inner.config.settle_time / 4);
        }
        Ok(registry)
    }

    pub fn config(&self) -> &RegistryConfig {
        &self.inner.config
    }

    /// The strategy served under `name` now.
    pub fn get(&self, name: &str) -> Option<Arc<Strategy>> {
        lock(&self.inner.active).get(name).cloned()
    }

    /// Every strategy served now, by name.
    pub fn strategies(&self) -> Vec<Arc<Strategy>> {
        lock(&self.inner.active).values().cloned().collect()
    }

    /// The names served now.
    pub fn names(&self) -> BTreeSet<String> {
        lock(&self.inner.active).keys().cloned().collect()
    }

    /// Plugin files that are not serving, with the reason.
    pub fn rejected(&self) -> Vec<RejectedFile> {
        lock(&self.inner.scanner).rejected()
    }

    /// Receives every later change to the served strategies.
    pub fn subscribe(&self) -> mpsc::Receiver<RegistryEvent> {
        let (tx, rx) = mpsc::channel();
        lock(&self.inner.subscribers).push(tx);
        rx
    }

    /// Runs `name` on `group` with the configured deadline and validates the result.
    pub fn assign(&self, name: &str, group: Arc<GroupSpec>) -> Result<Assignment, RunError> {
        match self.get(name) {
            Some(strategy) => self.run(&strategy, group),
            None => Err(self.unknown(name)),
        }
    }

    /// Runs `strategy` (one this registry served) as [`Registry::assign`] does, counting the
    /// run in [`Registry::run_stats`].
    pub fn run(&self, strategy: &Strategy, group: Arc<GroupSpec>) -> Result<Assignment, RunError> {
        let stats = self.stats_of(strategy.name());
        let started = Instant::now();
        let outcome = strategy.assign(group, self.inner.config.deadline);
        stats.duration.observe(started.elapsed());
        if let Err(error) = &outcome {
            stats.failed(&error.failure);
        }
        outcome
    }

    /// The failure of a run of a strategy not served (any more), counted.
    pub fn unknown(&self, name: &str) -> RunError {
        let failure = RunFailure::Unknown;
        self.stats_of(name).failed(&failure);
        RunError {
            strategy: name.to_owned(),
            origin: "registry".to_owned(),
            failure,
        }
    }

    fn stats_of(&self, name: &str) -> Arc<RunStats> {
        let mut runs = lock(&self.inner.runs);
        match runs.get(name) {
            Some(stats) => Arc::clone(stats),
            None => Arc::clone(runs.entry(name.to_owned()).or_default()),
        }
    }

    /// How each strategy's runs went, by name (names never run are absent).
    pub fn run_stats(&self) -> Vec<(String, Arc<RunStats>)> {
        let runs = lock(&self.inner.runs);
        runs.iter()
            .map(|(name, stats)| (name.clone(), Arc::clone(stats)))
            .collect()
    }

    /// Changes to the served strategies since start, by kind ([`Change::KINDS`]).
    pub fn change_counts(&self) -> Vec<(&'static str, u64)> {
        Change::KINDS
            .iter()
            .zip(&self.inner.changes)
            .map(|(&kind, count)| (kind, count.get()))
            .collect()
    }

    /// Compares the directory with what is served and applies the difference. Returns true while
    /// some file is still settling, so the caller knows to look again soon.
    pub fn rescan(&self) -> bool {
        self.inner.rescan()
    }

    /// Rescans in the background until the registry is dropped: every `rescan_interval`, and
    /// soon after any file-system event in the plugin directory.
    pub fn watch(&self) {
        let weak = Arc::downgrade(&self.inner);
        let (wake, woken) = mpsc::channel::<()>();
        let watcher = self
            .inner
            .config
            .plugin_dir
            .as_deref()
            .and_then(|dir| watch_dir(dir, wake));
        let _ = thread::Builder::new()
            .name("plugin-rescan".into())
            .spawn(move || rescan_loop(weak, woken, watcher));
    }
}

/// A plugin file as `regroup plugins check` reports it.
#[derive(Debug, Clone)]
pub struct CheckedPlugin {
    pub info: regroup_assignor_api::model::AssignorInfo,
    pub hash: String,
}

/// Judges one file as the registry would before loading it (structure, then a probe load of a
/// copy in a child process of `helper_exe`), without serving it; with `test_run`, the probe also
/// runs `assign` once on a small group and the file fails if that call crashes, hangs or answers
/// wrongly.
pub fn check_file(
    path: &Path,
    helper_exe: &Path,
    probe_timeout: Duration,
    test_run: Option<&TestRun>,
) -> Result<CheckedPlugin, LoadError> {
    use sha2::Digest;
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io(e.to_string()))?;
    let scratch = tempfile::Builder::new()
        .prefix("regroup-check-")
        .tempdir()
        .map_err(|e| LoadError::Io(e.to_string()))?;
    let copy = scratch
        .path()
        .join(format!("check.{}", std::env::consts::DLL_EXTENSION));
    let info = scan::vet(&copy, &bytes, helper_exe, probe_timeout, test_run)?;
    Ok(CheckedPlugin {
        info,
        hash: scan::hex(&sha2::Sha256::digest(&bytes)),
    })
}

fn watch_dir(dir: &Path, wake: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watcher = notify::recommended_watcher(move |_event: notify::Result<notify::Event>| {
        let _ = wake.send(());
    })
    .map_err(|e| tracing::warn!("no file events for plugins ({e}); relying on periodic rescans"))
    .ok()?;
    match watcher.watch(dir, notify::RecursiveMode::NonRecursive) {
        Ok(()) => Some(watcher),
        Err(e) => {
            tracing::warn!(
                "cannot watch {} ({e}); relying on periodic rescans",
                dir.display()
            );
            None
        }
    }
}

fn rescan_loop(
    registry: Weak<Inner>,
    woken: mpsc::Receiver<()>,
    _watcher: Option<notify::RecommendedWatcher>,
) {
    let mut settling = false;
    loop {
        let Some(inner) = registry.upgrade() else { return };
        let wait = if settling {
            inner.config.settle_time / 2
        } else {
            inner.config.rescan_interval
        };
        drop(inner);
        let started = Instant::now();
        match woken.recv_timeout(wait) {
            Ok(()) => {
                // Let a burst of events (create, write, rename) arrive, then look once.
                thread::sleep(Duration::from_millis(20).saturating_sub(started.elapsed()));
                while woken.try_recv().is_ok() {}
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // No watcher (no plugin directory, or it could not be watched): the sender is gone
            // and `recv_timeout` returns at once, so wait here instead of spinning a core.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                thread::sleep(wait.saturating_sub(started.elapsed()));
            }
        }
        let Some(inner) = registry.upgrade() else { return };
        // Files are judged one by one, each behind its own catch; this one keeps hot reloading
        // alive even if something else in a rescan panics.
        settling = catch_unwind(AssertUnwindSafe(|| inner.rescan())).unwrap_or_else(|_| {
            tracing::error!("a plugin rescan panicked; the next one runs as usual");
            false
        });
    }
}

impl Inner {
    fn rescan(&self) -> bool {
        let mut scanner = lock(&self.scanner);
        let settling = match &self.config.plugin_dir {
            Some(dir) => scanner.scan(dir, &self.config),
            None => false,
        };
        let mut active = lock(&self.active);
        let next = scanner.resolve(&self.builtins, &active);
        let events = diff(&active, &next);
        *active = next;
        drop(active);
        drop(scanner);
        if !events.is_empty() {
            let mut subscribers = lock(&self.subscribers);
            for event in &events {
                tracing::info!("{event}");
                self.changes[event.change.kind_index()].add(1);
                subscribers.retain(|s| s.send(event.clone()).is_ok());
            }
        }
        settling
    }
}

/// The events that turn `before` into `after`.
fn diff(
    before: &BTreeMap<String, Arc<Strategy>>,
    after: &BTreeMap<String, Arc<Strategy>>,
) -> Vec<RegistryEvent> {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let event = |s: &Strategy, change| RegistryEvent {
        name: s.info.name.clone(),
        version: s.info.version.clone(),
        hash: s.hash.clone(),
        source: s.source.to_string(),
        change,
    };
    names
        .into_iter()
        .filter_map(|name| match (before.get(name), after.get(name)) {
            (None, Some(new)) => Some(event(new, Change::Added)),
            (Some(old), None) => Some(event(old, Change::Removed)),
            (Some(old), Some(new)) if !Arc::ptr_eq(old, new) => Some(event(
                new,
                Change::Updated {
                    previous_version: old.info.version.clone(),
                    previous_hash: old.hash.clone(),
                    previous_source: old.source.to_string(),
                },
            )),
            _ => None,
        })
        .collect()
}

impl Outcome {
    fn strategy(&self) -> Option<&Arc<Strategy>> {
        match self {
            Outcome::Ready(strategy) => Some(strategy),
            Outcome::Rejected { .. } => None,
        }
    }
}
