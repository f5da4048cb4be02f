//! `regroup assign`: a dry run of any strategy, built in or from a plugin directory, on a described
//! group, or on a replayed sequence of changes (`--steps`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use clap::Args;
use regroup_assignor_api::kit;
use regroup_assignor_api::model::{Assignment, GroupSpec, Protocol, TopicPartition};
use serde_json::{Value, json};

use super::assign_input::{self, GroupInput};
use crate::group::cooperative;
use crate::registry::{Registry, RegistryConfig, Strategy};

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

/// One assignment run and what it means for the members.
struct Outcome {
    spec: GroupSpec,
    assignment: Assignment,
    step: Option<cooperative::CooperativeStep>,
    elapsed: Duration,
}

fn read(path: &PathBuf) -> Result<String, String> {
    if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("cannot read standard input: {e}"))
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    }
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
    let run = |group: &GroupInput, path: &str| -> Result<Outcome, String> {
        let spec = group.to_spec(protocol).map_err(|e| {
            if path.is_empty() {
                e
            } else {
                format!("{path}: {e}")
            }
        })?;
        let shared = Arc::new(spec.clone());
        let started = Instant::now();
        let assignment = strategy
            .assign(shared, registry.config().deadline)
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

    if let Some(steps_path) = &args.steps {
        let (mut group, steps) = assign_input::parse_steps(&read(steps_path)?)?;
        let mut reports = Vec::new();
        for (i, step) in std::iter::once(None).chain(steps.iter().map(Some)).enumerate() {
            let label = match step {
                None => "initial group".to_owned(),
                Some(step) => {
                    group.apply(step, &format!("steps[{}]", i - 1))?;
                    step.describe()
                }
            };
            let outcome = run(&group, &format!("after step {i} ({label})"))?;
            if args.json {
                reports.push(json!({"step": i, "change": label, "members": members_json(&outcome), "summary": summary_json(&outcome)}));
            } else {
                out!("step {i}: {label}")?;
                print_outcome(&outcome)?;
                out!("")?;
            }
            group.take_ownership(&outcome.spec, &outcome.assignment);
        }
        if args.json {
            out!(
                "{}",
                json!({"strategy": strategy.info.name, "version": strategy.info.version, "protocol": protocol.as_str(), "steps": reports})
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    let input = args
        .input
        .as_ref()
        .expect("clap requires --input without --steps");
    let group = assign_input::parse_group(&read(input)?)?;
    let outcome = run(&group, "")?;
    if args.json {
        out!("{}", result_json(&strategy, protocol, &outcome))?;
    } else {
        out!(
            "strategy {} {} ({protocol}, {})",
            strategy.info.name,
            strategy.info.version,
            strategy.source
        )?;
        print_outcome(&outcome)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn names(spec: &GroupSpec, partitions: &[TopicPartition]) -> Vec<Value> {
    let mut sorted = partitions.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .map(|tp| json!([spec.topic(tp.topic).name, tp.partition]))
        .collect()
}

fn members_json(outcome: &Outcome) -> Value {
    let mut members = serde_json::Map::new();
    for (i, member) in outcome.spec.members.iter().enumerate() {
        let assigned = outcome
            .assignment
            .members
            .iter()
            .find(|a| a.member_id == member.id);
        let user_data = assigned
            .filter(|a| !a.user_data.is_empty())
            .map(|a| base64::engine::general_purpose::STANDARD.encode(&a.user_data));
        let mut entry = serde_json::Map::new();
        match &outcome.step {
            Some(step) => {
                entry.insert(
                    "partitions".into(),
                    names(&outcome.spec, &step.members[i].granted).into(),
                );
                entry.insert(
                    "pending".into(),
                    names(&outcome.spec, &step.members[i].pending).into(),
                );
            }
            None => {
                let partitions = assigned.map_or(&[][..], |a| &a.partitions);
                entry.insert("partitions".into(), names(&outcome.spec, partitions).into());
            }
        }
        entry.insert("user_data_base64".into(), json!(user_data));
        members.insert(member.id.clone(), entry.into());
    }
    members.into()
}

fn summary_json(outcome: &Outcome) -> Value {
    let balance = kit::balance(&outcome.spec, &outcome.assignment);
    json!({
        "min": balance.min,
        "max": balance.max,
        "moved": kit::movement(&outcome.spec, &outcome.assignment),
        "elapsed_us": outcome.elapsed.as_micros() as u64,
    })
}

fn result_json(strategy: &Strategy, protocol: Protocol, outcome: &Outcome) -> Value {
    json!({
        "strategy": strategy.info.name,
        "version": strategy.info.version,
        "protocol": protocol.as_str(),
        "members": members_json(outcome),
        "summary": summary_json(outcome),
    })
}

fn print_outcome(outcome: &Outcome) -> Result<(), String> {
    let spec = &outcome.spec;
    let list = |partitions: &[TopicPartition]| {
        let mut sorted = partitions.to_vec();
        sorted.sort_unstable();
        sorted
            .iter()
            .map(|tp| spec.display(*tp))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (i, member) in spec.members.iter().enumerate() {
        let assigned = outcome
            .assignment
            .members
            .iter()
            .find(|a| a.member_id == member.id);
        let (granted, pending) = match &outcome.step {
            Some(step) => (list(&step.members[i].granted), list(&step.members[i].pending)),
            None => (
                assigned.map_or(String::new(), |a| list(&a.partitions)),
                String::new(),
            ),
        };
        out!("  {}: [{granted}]", member.id)?;
        if !pending.is_empty() {
            out!(
                "  {:width$}  pending revocation: [{pending}]",
                "",
                width = member.id.len()
            )?;
        }
        if let Some(data) = assigned.map(|a| &a.user_data).filter(|d| !d.is_empty()) {
            match std::str::from_utf8(data) {
                Ok(text) => out!("  {:width$}  user data: {text}", "", width = member.id.len())?,
                Err(_) => out!(
                    "  {:width$}  user data: {} bytes",
                    "",
                    data.len(),
                    width = member.id.len()
                )?,
            }
        }
    }
    let balance = kit::balance(spec, &outcome.assignment);
    out!(
        "  {balance}; {} moved; {} µs",
        super::plural(kit::movement(spec, &outcome.assignment) as u64, "owned partition"),
        outcome.elapsed.as_micros()
    )
}
