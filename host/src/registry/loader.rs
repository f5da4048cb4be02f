//! Loads a plugin library into the current process: checks, dlopen, abi_stable's layout check,
//! then the plugin's self-description. Used by the host (in-process strategies), by the probe
//! child and by isolated workers, so all three judge a file the same way.

use std::path::Path;

use abi_stable::library::{AbiHeaderRef, LibraryError};
use regroup_assignor_api::abi::{self, AssignorModRef, InfoReply, ROOT_SYMBOL_PREFIX};
use regroup_assignor_api::model::AssignorInfo;

use super::elf::{self, ElfError};
use super::error::LoadError;

/// A plugin loaded into this process. Libraries are never unloaded (abi_stable's rule), so the
/// module stays valid for the life of the process.
#[derive(Clone, Copy)]
pub struct LoadedModule {
    pub module: AssignorModRef,
}

/// Checks `bytes` (the file's content) without mapping anything: a complete shared library for
/// this machine exporting exactly one root module. Returns the root symbol's name.
pub fn check_bytes(bytes: &[u8]) -> Result<String, LoadError> {
    let mut roots = elf::check(bytes, ROOT_SYMBOL_PREFIX).map_err(|e| match e {
        ElfError::Truncated { .. } => LoadError::Truncated(e.to_string()),
        ElfError::NotElf | ElfError::Unsupported(_) => LoadError::NotALibrary(e.to_string()),
    })?;
    match roots.len() {
        0 => Err(LoadError::NotAPlugin),
        1 => Ok(roots.remove(0)),
        _ => Err(LoadError::SeveralRoots(
            roots
                .iter()
                .map(|r| r.trim_start_matches(ROOT_SYMBOL_PREFIX))
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

/// Loads the library at `path`, which must not change while loaded (pass a shadow copy).
pub fn load(path: &Path) -> Result<LoadedModule, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io(e.to_string()))?;
    let symbol = check_bytes(&bytes)?;
    drop(bytes);
    open_checked(path, symbol)
}

/// Loads the library at `path`, whose content already passed [`check_bytes`] (which named its
/// root `symbol`) and cannot have changed since: the registry's own shadow copy of bytes it
/// checked, so they are not read a second time (a plugin file of 8 MB held twice at once was a
/// third of a host's peak memory).
pub fn open_checked(path: &Path, symbol: String) -> Result<LoadedModule, LoadError> {
    // SAFETY: loading runs the library's initialisers; the file passed the structural checks and,
    // in the host, already survived a probe load in a child process.
    let library = unsafe { libloading::Library::new(path) }.map_err(|e| LoadError::Open(e.to_string()))?;
    let mut name = symbol.into_bytes();
    name.push(0);
    // SAFETY: the root symbol is a `LibHeader` static, read as the reference abi_stable expects.
    let header: AbiHeaderRef = unsafe { library.get::<AbiHeaderRef>(&name) }
        .map(|symbol| *symbol)
        .map_err(|e| LoadError::Open(e.to_string()))?;
    // abi_stable's references into the library are 'static: it is never unloaded.
    std::mem::forget(library);
    let header = header.upgrade().map_err(library_error)?;
    let module = header
        .init_root_module::<AssignorModRef>()
        .map_err(library_error)?;
    Ok(LoadedModule { module })
}

/// Asks a loaded plugin to describe itself and checks the description.
pub fn describe(loaded: LoadedModule) -> Result<AssignorInfo, LoadError> {
    let InfoReply(reply) =
        abi::call_info(loaded.module).map_err(|e| LoadError::InfoFailed(format!("unreadable reply: {e}")))?;
    let info = reply.map_err(|f| match f.panicked {
        true => LoadError::LoadPanicked(f.message),
        false => LoadError::InfoFailed(f.message),
    })?;
    check_info(&info)?;
    Ok(info)
}

/// A strategy name is what members write in their configuration: keep it plain.
pub fn check_info(info: &AssignorInfo) -> Result<(), LoadError> {
    let name_ok = !info.name.is_empty()
        && info.name.len() <= 249
        && info
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !name_ok {
        return Err(LoadError::BadInfo(format!(
            "strategy name {:?} must be 1 to 249 characters of [a-zA-Z0-9._-]",
            info.name
        )));
    }
    if abi::group_spec_version(info).is_none() {
        return Err(LoadError::BadInfo(format!(
            "strategy {:?} reads group envelopes of versions this host does not write ({:?}); this host writes versions 1 to {}",
            info.name,
            info.reads,
            <regroup_assignor_api::GroupSpec as regroup_assignor_api::codec::Envelope>::VERSION
        )));
    }
    if info.protocols.is_empty() {
        return Err(LoadError::BadInfo(format!(
            "strategy {:?} supports no protocol",
            info.name
        )));
    }
    Ok(())
}

fn library_error(e: LibraryError) -> LoadError {
    let detail = e.to_string();
    match e {
        LibraryError::AbiInstability(_)
        | LibraryError::IncompatibleVersionNumber { .. }
        | LibraryError::InvalidAbiHeader(_)
        | LibraryError::InvalidCAbi { .. }
        | LibraryError::ParseVersionError(_)
        | LibraryError::Many(_) => LoadError::IncompatibleContract {
            summary: summarize(&detail),
            detail,
        },
        LibraryError::RootModule { .. } => LoadError::Init(detail),
        LibraryError::OpenError { .. } | LibraryError::GetSymbolError { .. } => LoadError::Open(detail),
    }
}

/// abi_stable's layout reports run to hundreds of lines; the error line keeps the first few.
fn summarize(report: &str) -> String {
    const LINES: usize = 4;
    let lines: Vec<&str> = report.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut summary = lines.iter().take(LINES).copied().collect::<Vec<_>>().join(" / ");
    if lines.len() > LINES {
        summary.push_str(&format!(
            " / ... ({} more lines at debug level)",
            lines.len() - LINES
        ));
    }
    summary
}
