//! `regroup assign`: a dry run of any strategy, built in or from a plugin directory, on a described
//! group, or on a replayed sequence of changes (`--steps`).

use std::io::{BufWriter, StdoutLock, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use regroup_assignor_api::model::{GroupSpec, Protocol};

use super::assign_input::{self, GroupInput};
use super::assign_output::{self, Outcome, StepsJson};
use crate::group::cooperative;
use crate::registry::{Registry, RegistryConfig};

#[derive(Args)]
pub struct AssignArgs {
    /// The strategy to run, e.g. range, roundrobin, sticky, cooperative-sticky.
    #[arg(long)]
    strategy: String,
    /// A plugin directory whose strategies join (and may override) the built-ins [default: the
    /// built-ins only].
    #[arg(long)]
    plugin_dir: Option<PathBuf>,
    /// The group, as JSON (see the README); `-` reads standard input [default: none; this or
    /// --steps is required].
    #[arg(long, required_unless_present = "steps", conflicts_with = "steps")]
    input: Option<PathBuf>,
    /// A group and a sequence of changes to replay, each step's assignment becoming the next
    /// step's owned partitions [default: none].
    #[arg(long)]
    steps: Option<PathBuf>,
    /// The protocol to run under [default: cooperative when the strategy supports it, else
    /// eager].
    #[arg(long, value_parser = ["eager", "cooperative"])]
    protocol: Option<String>,
    /// How long the strategy may take, in ms.
    #[arg(long, default_value_t = 60_000)]
    deadline_ms: u64,
    /// Print one JSON object [default: text].
    #[arg(long)]
    json: bool,
}

fn read(path: &PathBuf) -> Result<String, String> {
    if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("cannot read standard input: {e}"))
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    }
}

/// Standard output, buffered: reports of a million partitions go out in large writes.
fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 20, std::io::stdout().lock())
}

fn written<T>(result: std::io::Result<T>) -> Result<T, String> {
    result.map_err(super::stdout_error)
}

pub fn run(args: AssignArgs) -> Result<ExitCode, String> {
    let mut config = RegistryConfig::new(args.plugin_dir.clone(), super::helper_exe()?);
    config.deadline = Duration::from_millis(args.deadline_ms);
    let registry = Registry::start(config).map_err(|e| e.to_string())?;
    let strategy = registry.get(&args.strategy).ok_or_else(|| {
        let names: Vec<String> = registry.names().into_iter().collect();
        format!("no strategy {:?}; available: {}", args.strategy, names.join(", "))
    })?;
    let protocol = match args.protocol.as_deref() {
        Some("eager") => Protocol::Eager,
        Some(_) => Protocol::Cooperative,
        None if strategy.info.supports(Protocol::Cooperative) => Protocol::Cooperative,
        None => Protocol::Eager,
    };
    if !strategy.info.supports(protocol) {
        return Err(format!(
            "strategy {} does not support the {protocol} protocol",
            strategy.info.name
        ));
    }
    let run = |spec: GroupSpec| -> Result<Outcome, String> {
        let spec = Arc::new(spec);
        let started = Instant::now();
        let assignment = strategy
            .assign(Arc::clone(&spec), registry.config().deadline)
            .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        let step = (protocol == Protocol::Cooperative).then(|| cooperative::first_step(&spec, &assignment));
        Ok(Outcome {
            spec,
            assignment,
            step,
            elapsed,
        })
    };
    // Warnings go to standard error, each naming where (and which step) it comes from.
    let check = |group: &GroupInput, path: &str| -> Result<GroupSpec, String> {
        let within = |e: String| {
            if path.is_empty() {
                e
            } else {
                format!("{path}: {e}")
            }
        };
        let checked = group.to_spec(protocol).map_err(within)?;
        for warning in checked.warnings {
            eprintln!("warning: {}", within(warning));
        }
        Ok(checked.spec)
    };

    if let Some(steps_path) = &args.steps {
        let text = read(steps_path)?;
        let (mut group, steps) = assign_input::parse_steps(&text)?;
        let mut out = stdout();
        let mut json = match args.json {
            true => Some(written(StepsJson::start(&mut out, protocol))?),
            false => None,
        };
        for (i, step) in std::iter::once(None).chain(steps.iter().map(Some)).enumerate() {
            let label = match step {
                None => "initial group".to_owned(),
                Some(step) => {
                    group.apply(step, &format!("steps[{}]", i - 1))?;
                    step.describe()
                }
            };
            let outcome = run(check(&group, &format!("after step {i} ({label})"))?)?;
            match &mut json {
                Some(json) => written(json.step(&mut out, i, &label, &outcome))?,
                None => {
                    written(writeln!(out, "step {i}: {label}"))?;
                    written(assign_output::write_text(&mut out, &outcome))?;
                    written(writeln!(out))?;
                }
            }
            group.take_ownership(&outcome.spec, &outcome.assignment);
        }
        if let Some(json) = json {
            written(json.finish(&mut out, &strategy.info))?;
        }
        written(out.flush())?;
        return Ok(ExitCode::SUCCESS);
    }

    let input = args
        .input
        .as_ref()
        .expect("clap requires --input without --steps");
    let spec = {
        // The text and what was read from it go before the strategy runs.
        let text = read(input)?;
        check(&assign_input::parse_group(&text)?, "")?
    };
    let outcome = run(spec)?;
    let mut out = stdout();
    if args.json {
        written(assign_output::write_json(
            &mut out,
            &strategy.info,
            protocol,
            &outcome,
        ))?;
    } else {
        written(writeln!(
            out,
            "strategy {} {} ({protocol}, {})",
            strategy.info.name, strategy.info.version, strategy.source
        ))?;
        written(assign_output::write_text(&mut out, &outcome))?;
    }
    written(out.flush())?;
    Ok(ExitCode::SUCCESS)
}
