//! The `regroup` command. Each subcommand lives in its own module; `main.rs` only calls [`main`].

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
    Serve(serve::ServeArgs),
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
        if command == registry::WORKER_COMMAND {
            return registry::worker_main(&PathBuf::from(library));
        }
    }
    init_logging();
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
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
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the default `info`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// Which running host a client command talks to.
#[derive(clap::Args, Clone, Debug)]
pub struct Server {
    /// The host's address.
    #[arg(long = "server", env = "REGROUP_SERVER", default_value = "127.0.0.1:9292")]
    pub addr: String,
}

impl Server {
    async fn client(&self) -> Result<crate::client::Client, String> {
        crate::client::Client::connect(&self.addr)
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
fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
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
        println!("{}", text.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// The `regroup` binary that runs probes and isolated workers: this very executable.
fn helper_exe() -> Result<PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find the regroup executable for plugin probes: {e}"))
}
