//! `regroup plugins list|check`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::registry::{self, Isolation, Registry, RegistryConfig};

#[derive(Subcommand)]
pub enum PluginsCommand {
    /// Every strategy the host would serve (built-in and from the directory) and every rejected file.
    List(ListArgs),
    /// Probe-load plugin files in a child process and report each; exits non-zero if any is rejected.
    Check(CheckArgs),
}

#[derive(Args)]
pub struct ListArgs {
    /// The plugin directory to load.
    #[arg(long, default_value = "./plugins")]
    plugin_dir: PathBuf,
    /// Run these strategies isolated in a worker process (repeatable).
    #[arg(long = "isolate", value_name = "STRATEGY")]
    isolate: Vec<String>,
    /// Where strategies not named by --isolate run.
    #[arg(long, value_enum, default_value_t = Isolation::InProcess)]
    isolation: Isolation,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Plugin files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// How long a probe load may take.
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
    /// Print one JSON object instead of lines.
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
    let mut config = RegistryConfig::new(Some(args.plugin_dir), super::helper_exe()?);
    config.default_isolation = args.isolation;
    config.isolation = args
        .isolate
        .into_iter()
        .map(|name| (name, Isolation::Isolated))
        .collect();
    let registry = Registry::start(config).map_err(|e| e.to_string())?;
    // A file caught mid-write is judged once it settles.
    let settle = registry.config().settle_time;
    for _ in 0..10 {
        if !registry.rescan() {
            break;
        }
        std::thread::sleep(settle / 2);
    }
    let strategies = registry.strategies();
    let rejected = registry.rejected();
    if args.json {
        let out = json!({
            "strategies": strategies.iter().map(|s| json!({
                "name": s.info.name,
                "version": s.info.version,
                "description": s.info.description,
                "protocols": s.info.protocols.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                "source": s.source.to_string(),
                "hash": s.hash,
                "isolation": s.isolation.to_string(),
            })).collect::<Vec<_>>(),
            "rejected": rejected.iter().map(|r| json!({
                "path": r.path.display().to_string(),
                "error": r.error.to_string(),
            })).collect::<Vec<_>>(),
        });
        println!("{out:#}");
    } else {
        let rows: Vec<[String; 6]> = strategies
            .iter()
            .map(|s| {
                [
                    s.info.name.clone(),
                    s.info.version.clone(),
                    s.info
                        .protocols
                        .iter()
                        .map(|p| p.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    s.isolation.to_string(),
                    s.short_hash().to_owned(),
                    s.source.to_string(),
                ]
            })
            .collect();
        print_table(
            ["STRATEGY", "VERSION", "PROTOCOLS", "ISOLATION", "HASH", "SOURCE"],
            &rows,
        );
        if !rejected.is_empty() {
            println!("\nrejected files:");
            for r in &rejected {
                println!("  {}: {}", r.path.display(), r.error);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let exe = super::helper_exe()?;
    let timeout = Duration::from_secs(args.timeout_secs);
    let mut all_ok = true;
    let mut reports = Vec::new();
    for file in &args.files {
        let outcome = registry::check_file(file, &exe, timeout);
        all_ok &= outcome.is_ok();
        match (&outcome, args.json) {
            (Ok(p), false) => println!(
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
            ),
            (Err(e), false) => println!("rejected  {}: {e}", file.display()),
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
        println!("{:#}", json!({ "files": reports }));
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
