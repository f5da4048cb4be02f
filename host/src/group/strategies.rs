//! The strategies the coordinator can run, as a trait: the plugin [`Registry`] implements it, and
//! so does [`MemoryStrategies`] (assignors held in memory, for tests and tools).

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};

use regroup_assignor_api::model::{Assignment, GroupSpec, Protocol};
use regroup_assignor_api::{Assignor, kit};

use crate::registry::{Change, Registry, RegistryEvent, RunError, RunFailure};

/// What the coordinator knows of one served strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyInfo {
    pub name: String,
    pub version: String,
    /// Content hash of its plugin file, or `built-in`.
    pub hash: String,
    pub protocols: Vec<Protocol>,
}

impl StrategyInfo {
    pub fn supports(&self, protocol: Protocol) -> bool {
        self.protocols.contains(&protocol)
    }
}

/// The strategies served now, running one, and hearing of changes.
pub trait Strategies: Send + Sync {
    /// The names served now.
    fn names(&self) -> BTreeSet<String>;
    /// The strategy served under `name` now.
    fn info(&self, name: &str) -> Option<StrategyInfo>;
    /// Runs `name` on `group` (with the implementation's deadline and isolation) and validates the
    /// result; says which version ran.
    fn assign(&self, name: &str, group: Arc<GroupSpec>) -> Result<(StrategyInfo, Assignment), RunError>;
    /// Every later change to the served strategies.
    fn subscribe(&self) -> mpsc::Receiver<RegistryEvent>;
}

impl Strategies for Registry {
    fn names(&self) -> BTreeSet<String> {
        Registry::names(self)
    }

    fn info(&self, name: &str) -> Option<StrategyInfo> {
        self.get(name).map(|s| StrategyInfo {
            name: s.info.name.clone(),
            version: s.info.version.clone(),
            hash: s.hash.clone(),
            protocols: s.info.protocols.clone(),
        })
    }

    fn assign(&self, name: &str, group: Arc<GroupSpec>) -> Result<(StrategyInfo, Assignment), RunError> {
        let Some(strategy) = self.get(name) else {
            return Err(self.unknown(name));
        };
        let info = StrategyInfo {
            name: strategy.info.name.clone(),
            version: strategy.info.version.clone(),
            hash: strategy.hash.clone(),
            protocols: strategy.info.protocols.clone(),
        };
        self.run(&strategy, group).map(|a| (info, a))
    }

    fn subscribe(&self) -> mpsc::Receiver<RegistryEvent> {
        Registry::subscribe(self)
    }
}

struct Served {
    info: StrategyInfo,
    assignor: Arc<dyn Assignor>,
}

#[derive(Default)]
struct MemoryInner {
    served: BTreeMap<String, Served>,
    subscribers: Vec<mpsc::Sender<RegistryEvent>>,
}

/// Assignors held in memory, run on the caller's thread: panics are caught and results validated
/// as the registry does, but there is no deadline. Changes send the registry's events.
#[derive(Default)]
pub struct MemoryStrategies {
    inner: Mutex<MemoryInner>,
}

impl MemoryStrategies {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves `assignor` under its own name, identified by `hash`: `Added`, or `Updated` if the
    /// name was served.
    pub fn insert(&self, assignor: Arc<dyn Assignor>, hash: &str) {
        let info = assignor.info();
        let info = StrategyInfo {
            name: info.name,
            version: info.version,
            hash: hash.to_owned(),
            protocols: info.protocols,
        };
        let mut inner = self.lock();
        let change = match inner.served.get(&info.name) {
            None => Change::Added,
            Some(old) => Change::Updated {
                previous_version: old.info.version.clone(),
                previous_hash: old.info.hash.clone(),
                previous_source: "memory".to_owned(),
            },
        };
        let event = event(&info, change);
        inner.served.insert(info.name.clone(), Served { info, assignor });
        inner.subscribers.retain(|s| s.send(event.clone()).is_ok());
    }

    /// Withdraws `name`.
    pub fn remove(&self, name: &str) {
        let mut inner = self.lock();
        if let Some(old) = inner.served.remove(name) {
            let event = event(&old.info, Change::Removed);
            inner.subscribers.retain(|s| s.send(event.clone()).is_ok());
        }
    }
}

fn event(info: &StrategyInfo, change: Change) -> RegistryEvent {
    RegistryEvent {
        name: info.name.clone(),
        version: info.version.clone(),
        hash: info.hash.clone(),
        source: "memory".to_owned(),
        change,
    }
}

impl Strategies for MemoryStrategies {
    fn names(&self) -> BTreeSet<String> {
        self.lock().served.keys().cloned().collect()
    }

    fn info(&self, name: &str) -> Option<StrategyInfo> {
        self.lock().served.get(name).map(|s| s.info.clone())
    }

    fn assign(&self, name: &str, group: Arc<GroupSpec>) -> Result<(StrategyInfo, Assignment), RunError> {
        let served = self
            .lock()
            .served
            .get(name)
            .map(|s| (s.info.clone(), Arc::clone(&s.assignor)));
        let error = |failure| RunError {
            strategy: name.to_owned(),
            origin: "memory".to_owned(),
            failure,
        };
        let Some((info, assignor)) = served else {
            return Err(error(RunFailure::Unknown));
        };
        let result = catch_unwind(AssertUnwindSafe(|| assignor.assign(&group))).map_err(|payload| {
            let text = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            error(RunFailure::Panicked(text))
        })?;
        let assignment = result.map_err(|e| error(RunFailure::Returned(e.to_string())))?;
        kit::validate(&group, &assignment).map_err(|v| error(RunFailure::Invalid(v)))?;
        Ok((info, assignment))
    }

    fn subscribe(&self) -> mpsc::Receiver<RegistryEvent> {
        let (tx, rx) = mpsc::channel();
        self.lock().subscribers.push(tx);
        rx
    }
}
