//! The `regroup` command. Each subcommand lives in its own module; `main.rs` only calls [`main`].

/// Prints a line on stdout, as `println!` does, but returns an error instead of panicking when
/// stdout fails: a closed pipe (`regroup ... | head`) ends the command quietly with exit 0 (see
/// [`STDOUT_CLOSED`]), as a Unix tool killed by SIGPIPE would, after its cleanup runs.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_line(format_args!($($arg)*))
    };
}

/// Prints a line on stderr, as `eprintln!` does, but a closed stderr is not a panic: there is
/// nobody left to tell.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod assign;
mod assign_input;
mod assign_output;
mod consume;
mod demo;
mod groups;
mod plugins;
mod produce;
mod serve;
mod topics;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::registry;

#[derive(Parser)]
#[command(
    name = "regroup",
    version,
    about = "Kafka-style consumer groups with hot-swappable assignment strategies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the host: the log, the group coordinator and the plugin registry, served over TCP.
    // Boxed: serve has many more flags than the other commands.
    Serve(Box<serve::ServeArgs>),
    /// Start a host on a temporary directory and show a group switching strategy live.
    Demo(demo::DemoArgs),
    /// Manage topics on a running host.
    #[command(subcommand)]
    Topics(topics::TopicsCommand),
    /// Send records: lines from standard input, or generated load with a summary.
    Produce(produce::ProduceArgs),
    /// Read records as a member of a consumer group.
    Consume(consume::ConsumeArgs),
    /// Inspect consumer groups and reset their offsets.
    #[command(subcommand)]
    Groups(groups::GroupsCommand),
    /// Inspect and check assignor plugins.
    #[command(subcommand)]
    Plugins(plugins::PluginsCommand),
    /// Dry-run a strategy on a described group (or a replayed sequence of changes).
    Assign(assign::AssignArgs),
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    crate::runtime::keep_freed_memory();
    let args: Vec<OsString> = std::env::args_os().collect();
    // The probe and worker children speak bytes on stdout: dispatch them before anything else.
    if let [_, command, library] = args.as_slice() {
        if command == registry::PROBE_COMMAND {
            return registry::probe_main(&PathBuf::from(library));
        }
        if command == registry::ASSIGN_PROBE_COMMAND {
            return registry::assign_probe_main(&PathBuf::from(library));
        }
        if command == registry::WORKER_COMMAND {
            return registry::worker_main(&PathBuf::from(library));
        }
    }
    init_logging();
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Serve(args) => serve::run(*args),
        Command::Demo(args) => demo::run(args),
        Command::Topics(command) => topics::run(command),
        Command::Produce(args) => produce::run(args),
        Command::Consume(args) => consume::run(args),
        Command::Groups(command) => groups::run(command),
        Command::Plugins(command) => plugins::run(command),
        Command::Assign(args) => assign::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) if e == STDOUT_CLOSED => ExitCode::SUCCESS,
        Err(e) => {
            note!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The error a command returns when stdout was closed under it; `main` exits 0 on it, silently.
pub(crate) const STDOUT_CLOSED: &str = "standard output was closed";

/// One line on stdout (what `out!` calls). A closed pipe is [`STDOUT_CLOSED`].
pub(crate) fn write_line(args: std::fmt::Arguments<'_>) -> Result<(), String> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
        .map_err(stdout_error)
}

/// What a failed write to stdout ends the command with: a closed pipe is [`STDOUT_CLOSED`].
pub(crate) fn stdout_error(e: std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => STDOUT_CLOSED.to_owned(),
        _ => format!("cannot write to standard output: {e}"),
    }
}

/// "1 record", "2 records".
pub(crate) fn plural(count: impl Into<u64>, noun: &str) -> String {
    match count.into() {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// Logs go to stderr, coloured only when stderr is a terminal; `RUST_LOG` overrides the
/// default `info`.
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        // A closed stderr (`2>&1 | head`) drops log lines; the default reports that on stderr
        // itself, which panics.
        .log_internal_errors(false)
        .init();
}

/// Which running host a client command talks to.
#[derive(clap::Args, Clone, Debug)]
pub struct Server {
    /// The host's address, as HOST:PORT.
    #[arg(long = "server", env = "REGROUP_SERVER", default_value = "127.0.0.1:9292")]
    pub addr: String,
    /// How long a request may take, reconnecting included, in ms (Kafka's request.timeout.ms).
    #[arg(long, env = "REGROUP_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,
}

impl Server {
    fn at(addr: &str) -> Server {
        Server {
            addr: addr.to_owned(),
            request_timeout_ms: 30_000,
        }
    }

    /// Client options with this command's request timeout.
    fn options(&self, defaults: crate::client::ClientOptions) -> crate::client::ClientOptions {
        crate::client::ClientOptions {
            request_timeout: std::time::Duration::from_millis(self.request_timeout_ms),
            ..defaults
        }
    }

    async fn client(&self) -> Result<crate::client::Client, String> {
        crate::client::Client::connect_with(&self.addr, self.options(Default::default()))
            .await
            .map_err(|e| format!("cannot reach {}: {e}", self.addr))
    }
}

/// Runs a client command's future on a runtime of its own.
fn block_on<T>(work: impl std::future::Future<Output = Result<T, String>>) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(work)
}

/// Left-aligned columns, two spaces apart.
fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> Result<(), String> {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out!("{}", text.join("  ").trim_end())
    };
    line(header.to_vec())?;
    for row in rows {
        line(row.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

/// The `regroup` binary that runs probes and isolated workers: this very executable.
fn helper_exe() -> Result<PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find the regroup executable for plugin probes: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of `command` and its subcommands, with the command path that holds it.
    fn arguments(command: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
        for arg in command.get_arguments() {
            out.push((path.to_owned(), arg.clone()));
        }
        for sub in command.get_subcommands() {
            arguments(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_flag_has_help_with_its_default_and_every_duration_is_in_ms_with_an_ms_suffix() {
        let mut all = Vec::new();
        arguments(&Cli::command(), "regroup", &mut all);
        let mut faults = Vec::new();
        for (path, arg) in &all {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let name = arg.get_long().map_or(id.to_owned(), |long| format!("--{long}"));
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            if help.is_empty() {
                faults.push(format!("{path} {name}: no help"));
            }
            let takes_value = arg.get_action().takes_values();
            let has_default = !arg.get_default_values().is_empty() || help.contains("[default:");
            if arg.get_long().is_some() && takes_value && !arg.is_required_set() && !has_default {
                faults.push(format!("{path} {name}: no default in its help"));
            }
            let in_ms = help.contains("in ms");
            let ms_suffix = name.ends_with("-ms");
            let other_unit = ["secs", "seconds", "in s,", "in s."]
                .iter()
                .any(|u| help.contains(u) || name.contains(u));
            if in_ms != ms_suffix || other_unit {
                faults.push(format!(
                    "{path} {name}: a duration is in ms with an -ms suffix ({help:?})"
                ));
            }
        }
        assert!(all.len() > 60, "the walk found the arguments: {}", all.len());
        assert!(faults.is_empty(), "{faults:#?}");
    }
}
