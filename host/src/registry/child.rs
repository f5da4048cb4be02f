//! Child processes of the `regroup` binary that touch plugin code the host does not trust yet:
//! the probe (load once, describe, exit) and the isolated worker (serve `assign` calls over a
//! pipe). A crash or an endless loop in either costs the child, never the host.
//!
//! Both are hidden subcommands of the same binary, so they load plugins with the host's exact
//! contract; `cli` dispatches [`PROBE_COMMAND`] and [`WORKER_COMMAND`] here.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use abi_stable::std_types::RSlice;
use regroup_assignor_api::codec::{self, Envelope};
use regroup_assignor_api::model::AssignorInfo;
use serde::{Deserialize, Serialize};

use super::error::LoadError;
use super::loader;

pub const PROBE_COMMAND: &str = "__probe-plugin";
pub const WORKER_COMMAND: &str = "__plugin-worker";

/// Largest reply a worker may send: far above a million-partition assignment.
const MAX_FRAME: usize = 1 << 30;

/// What the probe child reports on its stdout.
#[derive(Debug, Serialize, Deserialize)]
struct ProbeReport(Result<AssignorInfo, LoadError>);

impl Envelope for ProbeReport {
    const TAG: [u8; 4] = *b"RGPR";
    const VERSION: u16 = 1;
}

/// The probe child's body: load, describe, report, exit.
pub fn probe_main(library: &Path) -> ExitCode {
    let report = ProbeReport(loader::load(library).and_then(loader::describe));
    let mut out = io::stdout().lock();
    match out.write_all(&codec::encode(&report)).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    }
}

/// Probe-loads `library` in a child process of `exe` and returns its self-description.
pub fn probe(exe: &Path, library: &Path, timeout: Duration) -> Result<AssignorInfo, LoadError> {
    let mut child = Command::new(exe)
        .arg(PROBE_COMMAND)
        .arg(library)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| LoadError::Probe(format!("cannot start {}: {e}", exe.display())))?;
    let stdout = read_in_background(child.stdout.take().expect("piped"));
    let stderr = read_in_background(child.stderr.take().expect("piped"));
    let status = wait_with_timeout(&mut child, timeout);
    let Some(status) = status else {
        return Err(LoadError::ProbeHung(timeout.as_millis() as u64));
    };
    let stdout = stdout.recv().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr.recv().unwrap_or_default()).into_owned();
    let last_words = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::trim)
        .unwrap_or("");
    if status.success() {
        return match codec::decode::<ProbeReport>(&stdout) {
            Ok(ProbeReport(result)) => result,
            Err(e) => Err(LoadError::Probe(format!("unreadable report: {e}"))),
        };
    }
    let how = describe_exit(status);
    Err(if status.signal().is_some() {
        LoadError::ProbeCrashed(join_nonempty(&how, last_words))
    } else {
        LoadError::Probe(join_nonempty(&how, last_words))
    })
}

fn join_nonempty(a: &str, b: &str) -> String {
    if b.is_empty() {
        a.to_owned()
    } else {
        format!("{a}: {b}")
    }
}

/// `killed by signal 11 (SIGSEGV)` or `exited with code 3`.
pub fn describe_exit(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with code {code}"),
        (None, Some(sig)) => {
            let name = match sig {
                4 => " (SIGILL)",
                5 => " (SIGTRAP)",
                6 => " (SIGABRT)",
                7 => " (SIGBUS)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                _ => "",
            };
            format!("killed by signal {sig}{name}")
        }
        (None, None) => "ended without a status".to_owned(),
    }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Waits for `child`, killing it at `timeout`; `None` if it had to be killed.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

fn write_frame(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&(bytes.len() as u32).to_le_bytes())?;
    out.write_all(bytes)?;
    out.flush()
}

/// `Ok(None)` at a clean end of stream.
fn read_frame(input: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is too large"),
        ));
    }
    let mut buf = vec![0; len];
    input.read_exact(&mut buf)?;
    Ok(Some(buf))
}

/// Pipe capacity asked for on a worker's pipes: Linux's default unprivileged maximum
/// (`/proc/sys/fs/pipe-max-size`). A 64 KiB pipe moves an 8 MB reply in 128 round trips.
const PIPE_BYTES: libc::c_int = 1 << 20;

/// Enlarges the pipe behind `fd`; best effort (a smaller limit only costs wake-ups).
fn widen_pipe(fd: &impl AsRawFd) {
    // SAFETY: fcntl on a descriptor we own; F_SETPIPE_SZ takes an int and touches no memory.
    unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
}

/// The isolated worker's body: load the plugin, then answer one `assign` call per frame until
/// the host closes the pipe.
pub fn worker_main(library: &Path) -> ExitCode {
    let loaded = match loader::load(library) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("regroup plugin worker: {}: {e}", library.display());
            return ExitCode::from(3);
        }
    };
    // Unbuffered: frames are read and written whole (std's stdout would scan every reply for
    // line breaks and copy it through its buffer).
    let pipes = io::stdin().as_fd().try_clone_to_owned().and_then(|i| {
        Ok((
            File::from(i),
            File::from(io::stdout().as_fd().try_clone_to_owned()?),
        ))
    });
    let (mut input, mut output) = match pipes {
        Ok(pipes) => pipes,
        Err(e) => {
            eprintln!("regroup plugin worker: cannot use stdin and stdout: {e}");
            return ExitCode::from(4);
        }
    };
    loop {
        match read_frame(&mut input) {
            Ok(Some(request)) => {
                let reply = (loaded.module.assign())(RSlice::from_slice(&request));
                if write_frame(&mut output, reply.as_slice()).is_err() {
                    return ExitCode::from(4);
                }
            }
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("regroup plugin worker: {e}");
                return ExitCode::from(4);
            }
        }
    }
}

/// Why a worker call produced no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerFailure {
    /// Killed at the deadline; the next call starts a fresh worker.
    Deadline,
    /// The worker died or could not be started.
    Died(String),
}

struct WorkerProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

/// A plugin served by a worker process, started on first use and restarted after a failure.
/// Calls are serialised: one worker process per plugin.
pub struct Worker {
    exe: std::path::PathBuf,
    library: std::path::PathBuf,
    process: Mutex<Option<WorkerProcess>>,
}

impl Worker {
    pub fn new(exe: &Path, library: &Path) -> Self {
        Worker {
            exe: exe.to_owned(),
            library: library.to_owned(),
            process: Mutex::new(None),
        }
    }

    fn start(&self) -> Result<WorkerProcess, WorkerFailure> {
        let mut child = Command::new(&self.exe)
            .arg(WORKER_COMMAND)
            .arg(&self.library)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| WorkerFailure::Died(format!("cannot start {}: {e}", self.exe.display())))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        widen_pipe(&stdin);
        widen_pipe(&stdout);
        Ok(WorkerProcess { child, stdin, stdout })
    }

    /// Sends one request and waits for its reply until `deadline`.
    pub fn call(&self, request: &[u8], deadline: Duration) -> Result<Vec<u8>, WorkerFailure> {
        // Held across the call: the process and its pipes serve one request at a time.
        let mut slot = self.process.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(self.start()?);
        }
        let process = slot.as_mut().expect("started above");
        let (stdin, stdout, child) = (&mut process.stdin, &mut process.stdout, &mut process.child);
        let outcome = thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            scope.spawn(move || {
                let reply = write_frame(stdin, request).and_then(|_| read_frame(stdout));
                let _ = tx.send(reply);
            });
            match rx.recv_timeout(deadline) {
                Ok(Ok(Some(reply))) => Ok(reply),
                Ok(Ok(None)) | Ok(Err(_)) => {
                    // The pipe broke: the worker is gone. Reap it for its exit status.
                    let status = wait_with_timeout(child, Duration::from_secs(1));
                    Err(WorkerFailure::Died(
                        status.map_or("stopped answering".to_owned(), describe_exit),
                    ))
                }
                Err(_) => {
                    // Killing the worker breaks its pipes, which ends the I/O thread.
                    let _ = child.kill();
                    let _ = child.wait();
                    Err(WorkerFailure::Deadline)
                }
            }
        });
        if outcome.is_err() {
            *slot = None;
        }
        outcome
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.get_mut().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
    }
}
