//! The `regroup` command. Each subcommand lives in its own module; `main.rs` only calls [`main`].

mod assign;
mod assign_input;
mod plugins;
mod serve;

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
    /// Inspect and check assignor plugins.
    #[command(subcommand)]
    Plugins(plugins::PluginsCommand),
    /// Dry-run a strategy on a described group (or a replayed sequence of changes).
    Assign(assign::AssignArgs),
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
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

/// The `regroup` binary that runs probes and isolated workers: this very executable.
fn helper_exe() -> Result<PathBuf, String> {
    std::env::current_exe().map_err(|e| format!("cannot find the regroup executable for plugin probes: {e}"))
}
