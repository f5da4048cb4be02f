//! `regroup plugins list|check`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::print_table;
use serde_json::json;

use crate::registry::{self, Isolation, Registry, RegistryConfig};

#[derive(Subcommand)]
pub enum PluginsCommand {
    /// Every strategy the host would serve (built-in and from the directory) and every rejected file.
    List(ListArgs),
    /// Probe-load plugin files in a child process, run each once on a test group, and report each;
    /// exits non-zero if any is rejected.
    Check(CheckArgs),
}

#[derive(Args)]
pub struct ListArgs {
    /// The plugin directory to load [default: ./plugins].
    #[arg(long)]
    plugin_dir: Option<PathBuf>,
    /// Run these strategies isolated in a worker process (repeatable) [default: none].
    #[arg(long = "isolate", value_name = "STRATEGY")]
    isolate: Vec<String>,
    /// Where strategies not named by --isolate run.
    #[arg(long, value_enum, default_value_t = Isolation::InProcess)]
    isolation: Isolation,
    /// Print one JSON object instead of a table [default: a table].
    #[arg(long)]
    json: bool,
    /// Ask a running host what it has loaded instead of loading the directory here (also taken
    /// from REGROUP_SERVER, as every client command does, unless --plugin-dir or --isolate is
    /// given) [default: load ./plugins here].
    #[arg(long, conflicts_with_all = ["plugin_dir", "isolate"])]
    server: Option<String>,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Plugin files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// How long a probe load may take, in ms.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// How long the test `assign` call (three members, two topics) may take, in ms; the host's
    /// default plugin deadline [default: 10000].
    #[arg(long, default_value_t = 10_000)]
    deadline_ms: u64,
    /// User data every member of the test group sends to the strategy [default: none].
    #[arg(long, default_value = "")]
    user_data: String,
    /// Print one JSON object instead of lines [default: lines].
    #[arg(long)]
    json: bool,
}

pub fn run(command: PluginsCommand) -> Result<ExitCode, String> {
    match command {
        PluginsCommand::List(args) => list(args),
        PluginsCommand::Check(args) => check(args),
    }
}

fn list(args: ListArgs) -> Result<ExitCode, String> {
    let local = args.plugin_dir.is_some() || !args.isolate.is_empty();
    let server = args.server.or_else(|| {
        std::env::var("REGROUP_SERVER")
            .ok()
            .filter(|addr| !local && !addr.is_empty())
    });
    let plugin_dir = args.plugin_dir.unwrap_or_else(|| PathBuf::from("./plugins"));
    let mut config = RegistryConfig::new(Some(plugin_dir), super::helper_exe()?);
    config.default_isolation = args.isolation;
    config.isolation = args
        .isolate
        .into_iter()
        .map(|name| (name, Isolation::Isolated))
        .collect();
    let (strategies, rejected) = match &server {
        Some(addr) => served_by(addr)?,
        None => loaded_from_directory(config)?,
    };
    if args.json {
        let out = json!({
            "strategies": strategies.iter().map(|s| json!({
                "name": s.name,
                "version": s.version,
                "description": s.description,
                "protocols": s.protocols,
                "source": s.source,
                "hash": s.hash,
                "isolation": s.isolation,
            })).collect::<Vec<_>>(),
            "rejected": rejected.iter().map(|(path, error)| json!({"path": path, "error": error})).collect::<Vec<_>>(),
        });
        out!("{out:#}")?;
    } else {
        let rows: Vec<[String; 6]> = strategies
            .iter()
            .map(|s| {
                let hash = s.hash[..s.hash.len().min(12)].to_owned();
                [
                    s.name.clone(),
                    s.version.clone(),
                    s.protocols.join(","),
                    s.isolation.clone(),
                    hash,
                    s.source.clone(),
                ]
            })
            .collect();
        print_table(
            ["STRATEGY", "VERSION", "PROTOCOLS", "ISOLATION", "HASH", "SOURCE"],
            &rows,
        )?;
        if !rejected.is_empty() {
            out!("\nrejected files:")?;
            for (path, error) in &rejected {
                out!("  {path}: {error}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One served strategy, wherever it was read from.
struct Row {
    name: String,
    version: String,
    description: String,
    protocols: Vec<String>,
    source: String,
    hash: String,
    isolation: String,
}

type Listing = (Vec<Row>, Vec<(String, String)>);

/// What a registry on `config`'s directory would serve, judged here and now.
fn loaded_from_directory(config: RegistryConfig) -> Result<Listing, String> {
    let registry = Registry::start(config).map_err(|e| e.to_string())?;
    // A file caught mid-write is judged once it settles.
    let settle = registry.config().settle_time;
    for _ in 0..10 {
        if !registry.rescan() {
            break;
        }
        std::thread::sleep(settle / 2);
    }
    let rows = registry
        .strategies()
        .iter()
        .map(|s| Row {
            name: s.info.name.clone(),
            version: s.info.version.clone(),
            description: s.info.description.clone(),
            protocols: s.info.protocols.iter().map(|p| p.as_str().to_owned()).collect(),
            source: s.source.to_string(),
            hash: s.hash.clone(),
            isolation: s.isolation.to_string(),
        })
        .collect();
    let rejected = registry
        .rejected()
        .into_iter()
        .map(|r| (r.path.display().to_string(), r.error.to_string()))
        .collect();
    Ok((rows, rejected))
}

/// What the host at `addr` serves now.
fn served_by(addr: &str) -> Result<Listing, String> {
    let server = super::Server::at(addr);
    let list = super::block_on(async move {
        server
            .client()
            .await?
            .list_plugins()
            .await
            .map_err(|e| e.to_string())
    })?;
    let rows = list
        .strategies
        .into_iter()
        .map(|p| Row {
            name: p.name,
            version: p.version,
            description: p.description,
            protocols: p.protocols.iter().map(|p| p.as_str().to_owned()).collect(),
            source: p.source,
            hash: p.hash,
            isolation: p.isolation,
        })
        .collect();
    Ok((
        rows,
        list.rejected.into_iter().map(|r| (r.path, r.reason)).collect(),
    ))
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let exe = super::helper_exe()?;
    let timeout = Duration::from_millis(args.timeout_ms);
    let test_run = registry::TestRun {
        deadline: Duration::from_millis(args.deadline_ms),
        user_data: args.user_data.into_bytes(),
    };
    let mut all_ok = true;
    let mut reports = Vec::new();
    for file in &args.files {
        let outcome = registry::check_file(file, &exe, timeout, Some(&test_run));
        all_ok &= outcome.is_ok();
        match (&outcome, args.json) {
            (Ok(p), false) => out!(
                "ok        {}: strategy {} {} ({}) {}",
                file.display(),
                p.info.name,
                p.info.version,
                p.info
                    .protocols
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                &p.hash[..12]
            )?,
            (Err(e), false) => out!("rejected  {}: {e}", file.display())?,
            (Ok(p), true) => reports.push(json!({
                "path": file.display().to_string(), "ok": true, "name": p.info.name,
                "version": p.info.version, "hash": p.hash,
                "protocols": p.info.protocols.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            })),
            (Err(e), true) => {
                reports.push(json!({"path": file.display().to_string(), "ok": false, "error": e.to_string()}))
            }
        }
    }
    if args.json {
        out!("{:#}", json!({ "files": reports }))?;
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
