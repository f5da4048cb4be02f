//! The plugin directory as a table of files, each judged once per content.
//!
//! A file is read only after its size, modification time and inode have stayed the same for the
//! settle time (a file still being written keeps changing); a file renamed into place whole is
//! old enough by its modification time and is read at once. Its content is hashed, so an
//! unchanged file is never loaded twice, and the bytes that were hashed are the bytes that are
//! checked, copied and loaded.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use regroup_assignor_api::abi::AssignorModRef;
use regroup_assignor_api::model::AssignorInfo;
use sha2::{Digest, Sha256};

use super::child::{self, Worker};
use super::error::LoadError;
use super::loader;
use super::strategy::{Isolation, Overruns, Runner, Source, Strategy};
use super::{RegistryConfig, RejectedFile};
use crate::log::durable_fs::{Durability, replace_file};

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Observation {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

pub(super) enum Outcome {
    Ready(Arc<Strategy>),
    Rejected { hash: Option<String>, error: LoadError },
}

struct FileRecord {
    observed: Observation,
    /// When `observed` started to hold.
    since: Instant,
    /// The observation `outcome` was computed from.
    judged: Option<Observation>,
    outcome: Option<Outcome>,
}

impl FileRecord {
    fn hash(&self) -> Option<&str> {
        match self.outcome.as_ref()? {
            Outcome::Ready(s) => Some(&s.hash),
            Outcome::Rejected { hash, .. } => hash.as_deref(),
        }
    }
}

pub(super) struct Scanner {
    shadows: Shadows,
    files: BTreeMap<PathBuf, FileRecord>,
    /// Files whose strategy name another file holds.
    conflicts: BTreeMap<PathBuf, LoadError>,
    /// Every content ever loaded into this process, by hash. Libraries are never unloaded, so a
    /// version that comes back (a rollback, two versions swapped to and fro) is served again
    /// without another probe or another mapping.
    modules: HashMap<String, (AssignorInfo, AssignorModRef)>,
    /// Whether the plugin directory existed at the last scan: one that appears later (a host
    /// started before `./plugins` was made) is scanned from then on, and said so once.
    dir_existed: Option<bool>,
}

/// Names fresh shadow copies: dlopen of a path already loaded returns the old image.
struct Shadows {
    dir: PathBuf,
    serial: u64,
}

impl Shadows {
    fn next(&mut self, original: &Path, hash: &str) -> PathBuf {
        self.serial += 1;
        let stem = original.file_stem().unwrap_or_default().to_string_lossy();
        self.dir.join(format!(
            "{stem}-{}-{}.{}",
            &hash[..12],
            self.serial,
            std::env::consts::DLL_EXTENSION
        ))
    }
}

/// Names that editors, copy tools and `write-then-rename` publishers use for unfinished files.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || [".tmp", ".part", ".partial", ".swp", ".crdownload"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// Plugin candidates in `dir`: regular files named `*.so` that are not temporary.
fn list(dir: &Path) -> BTreeMap<PathBuf, Observation> {
    let Ok(entries) = fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !is_temporary(&name)
                && Path::new(&*name)
                    .extension()
                    .is_some_and(|x| x == std::env::consts::DLL_EXTENSION)
        })
        .filter_map(|e| {
            let meta = fs::metadata(e.path()).ok().filter(|m| m.is_file())?;
            Some((
                e.path(),
                Observation {
                    len: meta.len(),
                    modified: meta.modified().ok(),
                    inode: meta.ino(),
                },
            ))
        })
        .collect()
}

impl Scanner {
    pub(super) fn new(shadow_dir: PathBuf) -> Self {
        Scanner {
            shadows: Shadows {
                dir: shadow_dir,
                serial: 0,
            },
            files: BTreeMap::new(),
            conflicts: BTreeMap::new(),
            modules: HashMap::new(),
            dir_existed: None,
        }
    }

    /// Brings the file table up to date with `dir`. Returns true while some file is settling.
    pub(super) fn scan(&mut self, dir: &Path, config: &RegistryConfig) -> bool {
        let now = Instant::now();
        let exists = dir.is_dir();
        if self.dir_existed.is_some_and(|existed| existed != exists) {
            match exists {
                true => tracing::info!("plugin directory {} appeared: serving its plugins", dir.display()),
                false => tracing::warn!(
                    "plugin directory {} is gone: serving the built-ins",
                    dir.display()
                ),
            }
        }
        self.dir_existed = Some(exists);
        let present = list(dir);
        self.files.retain(|path, _| present.contains_key(path));
        let mut settling = false;
        let mut read_any = false;
        for (path, observed) in present {
            let record = self.files.entry(path.clone()).or_insert_with(|| FileRecord {
                observed,
                since: settled_since(observed, now),
                judged: None,
                outcome: None,
            });
            if record.observed != observed {
                record.observed = observed;
                record.since = settled_since(observed, now);
            }
            if record.judged == Some(observed) {
                continue;
            }
            if now.duration_since(record.since) < config.settle_time {
                settling = true;
                continue;
            }
            let bytes = match fs::read(&path) {
                Ok(bytes) if bytes.len() as u64 == observed.len => bytes,
                Ok(_) => {
                    settling = true; // changed while we read it: look again
                    continue;
                }
                Err(e) => {
                    record.judged = Some(observed);
                    record.outcome = Some(rejected(&path, None, LoadError::Io(e.to_string())));
                    continue;
                }
            };
            record.judged = Some(observed);
            let hash = hex(&Sha256::digest(&bytes));
            if record.hash() == Some(hash.as_str()) {
                continue; // touched, same content
            }
            let loaded =
                judged(|| load_file(&mut self.shadows, &mut self.modules, &path, &bytes, &hash, config));
            let outcome = match loaded {
                Ok(strategy) => {
                    tracing::info!(
                        "plugin file {} loaded: strategy {} {} ({}, {})",
                        path.display(),
                        strategy.info.name,
                        strategy.info.version,
                        strategy.short_hash(),
                        strategy.isolation
                    );
                    Outcome::Ready(Arc::new(strategy))
                }
                Err(error) => rejected(&path, Some(hash), error),
            };
            record.outcome = Some(outcome);
            read_any = true;
        }
        if read_any {
            // A plugin file is read whole (megabytes); the process keeps freed memory for
            // assignments, so hand this back now instead of holding it for good.
            release_freed_memory();
        }
        settling
    }

    /// What should be served: the built-ins, overlaid by the files' strategies. When several
    /// files claim one name, the file already serving it keeps it, else the first by path.
    pub(super) fn resolve(
        &mut self,
        builtins: &BTreeMap<String, Arc<Strategy>>,
        active: &BTreeMap<String, Arc<Strategy>>,
    ) -> BTreeMap<String, Arc<Strategy>> {
        let mut claims: BTreeMap<&str, Vec<(&PathBuf, &Arc<Strategy>)>> = BTreeMap::new();
        for (path, record) in &self.files {
            if let Some(strategy) = record.outcome.as_ref().and_then(|o| o.strategy()) {
                claims.entry(strategy.name()).or_default().push((path, strategy));
            }
        }
        let mut next = builtins.clone();
        let mut conflicts = BTreeMap::new();
        for (name, claimants) in claims {
            let serving = |p: &Path| {
                active
                    .get(name)
                    .is_some_and(|s| matches!(&s.source, Source::File { path, .. } if path == p))
            };
            let holder = claimants.iter().position(|(p, _)| serving(p)).unwrap_or(0);
            next.insert(name.to_owned(), Arc::clone(claimants[holder].1));
            for (path, _) in claimants
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != holder)
                .map(|(_, c)| c)
            {
                let error = LoadError::NameTaken {
                    name: name.to_owned(),
                    holder: claimants[holder].0.display().to_string(),
                };
                if self.conflicts.get(*path) != Some(&error) {
                    tracing::error!("plugin file {} rejected: {error}", path.display());
                }
                conflicts.insert((*path).clone(), error);
            }
        }
        self.conflicts = conflicts;
        next
    }

    pub(super) fn rejected(&self) -> Vec<RejectedFile> {
        let mut out: Vec<RejectedFile> = self
            .files
            .iter()
            .filter_map(|(path, record)| match &record.outcome {
                Some(Outcome::Rejected { error, .. }) => Some(RejectedFile {
                    path: path.clone(),
                    error: error.clone(),
                }),
                _ => None,
            })
            .chain(self.conflicts.iter().map(|(path, error)| RejectedFile {
                path: path.clone(),
                error: error.clone(),
            }))
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}

/// When a file with this observation stopped changing, judged by its modification time, so a
/// file renamed into place whole needs no wait.
fn settled_since(observed: Observation, now: Instant) -> Instant {
    let age = observed
        .modified
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or(Duration::ZERO);
    now.checked_sub(age).unwrap_or(now)
}

fn rejected(path: &Path, hash: Option<String>, error: LoadError) -> Outcome {
    tracing::error!("plugin file {} rejected: {error}", path.display());
    if let Some(detail) = error.detail() {
        tracing::debug!("plugin file {}: full report:\n{detail}", path.display());
    }
    Outcome::Rejected { hash, error }
}

/// Runs one file's checks and load. They must never end a scan (at start, the host; later, the
/// rescan thread): a panic in them rejects that file and the scan goes on to the next.
fn judged(judge: impl FnOnce() -> Result<Strategy, LoadError>) -> Result<Strategy, LoadError> {
    catch_unwind(AssertUnwindSafe(judge))
        .unwrap_or_else(|payload| Err(LoadError::CheckPanicked(panic_message(&*payload))))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic with a non-string payload".to_owned())
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything short of loading into this process: the structural checks on `bytes`, a shadow
/// copy at `shadow`, and a probe load of the copy in a child process of `helper_exe` (which also
/// runs `test_run`, if given).
pub(super) fn vet(
    shadow: &Path,
    bytes: &[u8],
    helper_exe: &Path,
    probe_timeout: Duration,
    test_run: Option<&child::TestRun>,
) -> Result<AssignorInfo, LoadError> {
    loader::check_bytes(bytes)?;
    write_new(shadow, bytes)
        .map_err(|e| LoadError::Io(format!("cannot write the shadow copy {}: {e}", shadow.display())))?;
    match test_run {
        None => child::probe(helper_exe, shadow, probe_timeout),
        Some(run) => child::probe_assign(helper_exe, shadow, probe_timeout, run),
    }
}

/// Vets the file's `bytes` and loads them where the strategy's isolation says, from a new shadow
/// copy, unless this content is already loaded in this process.
fn load_file(
    shadows: &mut Shadows,
    modules: &mut HashMap<String, (AssignorInfo, AssignorModRef)>,
    path: &Path,
    bytes: &[u8],
    hash: &str,
    config: &RegistryConfig,
) -> Result<Strategy, LoadError> {
    let shadow = shadows.next(path, hash);
    let source = Source::File {
        path: path.to_owned(),
        shadow: shadow.clone(),
    };
    if let Some((info, module)) = modules.get(hash)
        && config.isolation_for(&info.name) == Isolation::InProcess
    {
        let runner = Runner::InProcess(*module);
        return Ok(Strategy {
            info: info.clone(),
            source,
            hash: hash.to_owned(),
            isolation: Isolation::InProcess,
            runner,
            overruns: overruns(config),
        });
    }
    let vetted = vet(&shadow, bytes, &config.helper_exe, config.probe_timeout, None).and_then(|info| {
        let isolation = config.isolation_for(&info.name);
        let runner = match isolation {
            Isolation::InProcess => {
                // `vet` checked these bytes and wrote them to the shadow copy.
                let module = loader::open_checked(&shadow, loader::check_bytes(bytes)?)?.module;
                modules.insert(hash.to_owned(), (info.clone(), module));
                Runner::InProcess(module)
            }
            Isolation::Isolated => {
                Runner::Isolated(Worker::new(&config.helper_exe, &shadow, config.worker_max_memory))
            }
        };
        Ok((info, isolation, runner))
    });
    match vetted {
        Ok((info, isolation, runner)) => Ok(Strategy {
            info,
            source,
            hash: hash.to_owned(),
            isolation,
            runner,
            overruns: overruns(config),
        }),
        Err(error) => {
            let _ = fs::remove_file(&shadow);
            Err(error)
        }
    }
}

/// Returns the free memory malloc keeps (the `regroup` binary has it keep freed memory for
/// assignments) to the kernel, in every arena.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn overruns(config: &RegistryConfig) -> Overruns {
    Overruns::new(config.overrun_cooldown, config.run_markers.clone())
}

/// Writes a file that no one can see half-written (a shadow copy, remade after a crash).
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_file(path, bytes, Durability::Visible).map_err(|failed| failed.error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_judging_a_file_rejects_that_file_instead_of_ending_the_scan() {
        let outcome = judged(|| panic!("an index out of bounds, say"));
        assert_eq!(
            outcome.unwrap_err(),
            LoadError::CheckPanicked("an index out of bounds, say".into())
        );
    }

    #[test]
    fn temporary_and_hidden_names_are_never_candidates() {
        for name in [
            ".range.so",
            "range.so~",
            "range.so.tmp",
            "range.so.part",
            ".#x.so",
            "x.so.swp",
        ] {
            assert!(is_temporary(name), "{name}");
        }
        assert!(!is_temporary("libregroup_range.so"));
    }

    #[test]
    fn lists_only_regular_so_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.so", "b.txt", ".c.so", "d.so.partial"] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        fs::create_dir(dir.path().join("e.so")).unwrap();
        let names: Vec<String> = list(dir.path())
            .keys()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.so"]);
    }

    #[test]
    fn an_old_file_is_settled_at_once_and_a_fresh_one_is_not() {
        let now = Instant::now();
        let old = Observation {
            len: 1,
            modified: Some(SystemTime::now() - Duration::from_secs(60)),
            inode: 1,
        };
        assert!(now.duration_since(settled_since(old, now)) >= Duration::from_secs(59));
        let fresh = Observation {
            modified: Some(SystemTime::now()),
            ..old
        };
        assert!(now.duration_since(settled_since(fresh, now)) < Duration::from_secs(1));
    }
}
