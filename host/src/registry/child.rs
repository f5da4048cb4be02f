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
use regroup_assignor_api::kit;
use regroup_assignor_api::model::{AssignorInfo, GroupSpec, Protocol};
use serde::{Deserialize, Serialize};

use super::error::{LoadError, RunFailure};
use super::loader;
use super::strategy::decode_reply;

pub const PROBE_COMMAND: &str = "__probe-plugin";
/// The probe that also runs `assign` once on a small test group (`regroup plugins check`).
pub const ASSIGN_PROBE_COMMAND: &str = "__probe-plugin-assign";
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

/// What the assign probe reports after its `assign` call: nothing, or what went wrong.
#[derive(Debug, Serialize, Deserialize)]
struct AssignReport(Result<(), String>);

impl Envelope for AssignReport {
    const TAG: [u8; 4] = *b"RGAR";
    const VERSION: u16 = 1;
}

/// Most user data the assign probe reads from its stdin.
const MAX_TEST_USER_DATA: u64 = 1 << 20;

/// A `assign` call that a checked plugin must survive: on a small group (three members, two
/// topics, nothing owned) whose members all send `user_data`, within `deadline`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRun {
    pub deadline: Duration,
    pub user_data: Vec<u8>,
}

/// The test group of [`TestRun`], in the strategy's first protocol.
fn test_group(info: &AssignorInfo, user_data: &[u8]) -> GroupSpec {
    let protocol = info.protocols.first().copied().unwrap_or(Protocol::Eager);
    GroupSpec::builder()
        .protocol(protocol)
        .topic("orders", 6)
        .topic("clicks", 3)
        .member("member-1", &["orders", "clicks"])
        .user_data(user_data)
        .member("member-2", &["orders"])
        .user_data(user_data)
        .member("member-3", &["orders", "clicks"])
        .user_data(user_data)
        .build()
}

/// The assign probe child's body: load and describe as the probe does and report that (one
/// frame), then run `assign` on the test group with the user data read from stdin, validate the
/// result, and report that (a second frame).
pub fn assign_probe_main(library: &Path) -> ExitCode {
    let mut out = match io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => File::from(fd),
        Err(_) => return ExitCode::from(2),
    };
    let loaded = loader::load(library).and_then(|loaded| Ok((loader::describe(loaded)?, loaded)));
    let info = loaded
        .as_ref()
        .map(|(info, _)| info.clone())
        .map_err(Clone::clone);
    if write_frame(&mut out, &codec::encode(&ProbeReport(info))).is_err() {
        return ExitCode::from(2);
    }
    let Ok((info, loaded)) = loaded else {
        return ExitCode::SUCCESS;
    };
    let mut user_data = Vec::new();
    let _ = io::stdin().take(MAX_TEST_USER_DATA).read_to_end(&mut user_data);
    let group = test_group(&info, &user_data);
    let reply = (loaded.module.assign())(RSlice::from_slice(&codec::encode(&group)));
    let result = decode_reply(reply.as_slice())
        .and_then(|assignment| kit::validate(&group, &assignment).map_err(RunFailure::Invalid))
        .map_err(|failure| failure.to_string());
    match write_frame(&mut out, &codec::encode(&AssignReport(result))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    }
}

/// Probe-loads `library` in a child process of `exe` as [`probe`] does, then has it run `run`:
/// a plugin that crashes, hangs past the deadline or answers wrongly in `assign` is rejected.
pub fn probe_assign(
    exe: &Path,
    library: &Path,
    timeout: Duration,
    run: &TestRun,
) -> Result<AssignorInfo, LoadError> {
    let mut child = Command::new(exe)
        .arg(ASSIGN_PROBE_COMMAND)
        .arg(library)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| LoadError::Probe(format!("cannot start {}: {e}", exe.display())))?;
    let mut stdin = child.stdin.take().expect("piped");
    let user_data = run.user_data.clone();
    // Written from a thread and closed: the child reads it to the end only once loaded.
    thread::spawn(move || {
        let _ = stdin.write_all(&user_data);
    });
    let frames = frames_in_background(child.stdout.take().expect("piped"));
    let stderr = read_in_background(child.stderr.take().expect("piped"));
    let last_words = || {
        let text = String::from_utf8_lossy(&stderr.recv_timeout(Duration::from_secs(1)).unwrap_or_default())
            .into_owned();
        last_line(&text).to_owned()
    };
    let info = match frames.recv_timeout(timeout) {
        Ok(report) => codec::decode::<ProbeReport>(&report)
            .map_err(|e| LoadError::Probe(format!("unreadable report: {e}")))
            .and_then(|ProbeReport(result)| result),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(LoadError::ProbeHung(timeout.as_millis() as u64));
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let status = wait_with_timeout(&mut child, Duration::from_secs(1));
            let how = status.map_or("stopped without a report".to_owned(), describe_exit);
            let crashed = status.is_some_and(|s| s.signal().is_some());
            let why = join_nonempty(&how, &last_words());
            return Err(if crashed {
                LoadError::ProbeCrashed(why)
            } else {
                LoadError::Probe(why)
            });
        }
    };
    let info = match info {
        Ok(info) => info,
        Err(error) => {
            let _ = wait_with_timeout(&mut child, Duration::from_secs(1));
            return Err(error);
        }
    };
    let outcome = match frames.recv_timeout(run.deadline) {
        Ok(report) => match codec::decode::<AssignReport>(&report) {
            Ok(AssignReport(Ok(()))) => Ok(info),
            Ok(AssignReport(Err(why))) => Err(LoadError::AssignFailed(why)),
            Err(e) => Err(LoadError::Probe(format!("unreadable report: {e}"))),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let _ = child.kill();
            Err(LoadError::AssignHung(run.deadline.as_millis() as u64))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let status = wait_with_timeout(&mut child, Duration::from_secs(1));
            let how = status.map_or("stopped without a report".to_owned(), describe_exit);
            Err(LoadError::AssignCrashed(join_nonempty(&how, &last_words())))
        }
    };
    if wait_with_timeout(&mut child, Duration::from_secs(1)).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    outcome
}

/// The last line of `text` that is not blank, trimmed.
fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::trim)
        .unwrap_or("")
}

/// Each frame `pipe` carries, as it arrives; the channel closes at the end of the stream.
fn frames_in_background(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        while let Ok(Some(frame)) = read_frame(&mut pipe) {
            if tx.send(frame).is_err() {
                return;
            }
        }
    });
    rx
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
    let last_words = last_line(&stderr);
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
    /// The most heap (RLIMIT_DATA) a worker may take; `None` for no limit.
    max_memory: Option<u64>,
    process: Mutex<Option<WorkerProcess>>,
    /// Processes started: the first, then one per restart after a failure.
    starts: crate::stats::Count,
}

impl Worker {
    pub fn new(exe: &Path, library: &Path, max_memory: Option<u64>) -> Self {
        Worker {
            exe: exe.to_owned(),
            library: library.to_owned(),
            max_memory,
            process: Mutex::new(None),
            starts: crate::stats::Count::default(),
        }
    }

    /// Worker processes started so far (restarts included).
    pub fn starts(&self) -> u64 {
        self.starts.get()
    }

    fn start(&self) -> Result<WorkerProcess, WorkerFailure> {
        let mut command = Command::new(&self.exe);
        if let Some(bytes) = self.max_memory {
            use std::os::unix::process::CommandExt;
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            // SAFETY: runs in the forked child before exec; setrlimit is async-signal-safe and
            // touches only the limit passed by value.
            unsafe {
                command.pre_exec(move || {
                    if libc::setrlimit(libc::RLIMIT_DATA, &limit) == 0 {
                        Ok(())
                    } else {
                        Err(io::Error::last_os_error())
                    }
                });
            }
        }
        let mut child = command
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
            self.starts.add(1);
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
                    let mut how = status.map_or("stopped answering".to_owned(), describe_exit);
                    if let Some(bytes) = self.max_memory
                        && status.is_some_and(|s| s.signal().is_some())
                    {
                        // Running out of its heap aborts a Rust worker: say what the limit was.
                        how.push_str(&format!(
                            " (workers may hold at most {} MiB of heap: plugin_worker_max_memory_bytes)",
                            bytes >> 20
                        ));
                    }
                    Err(WorkerFailure::Died(how))
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
