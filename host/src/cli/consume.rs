//! `regroup consume`: join a group, print records on stdout and each rebalance on stderr.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;

use super::{Server, block_on};
use crate::client::{
    Consumer, ConsumerConfig, GroupAssignment, OffsetReset, RebalanceListener, StrategyChoice, UserData,
};
use crate::group::PartitionName;

#[derive(Args)]
pub struct ConsumeArgs {
    #[arg(long)]
    topic: String,
    #[arg(long)]
    group: String,
    /// Accepted strategies, most preferred first (Kafka's partition.assignment.strategy).
    #[arg(long, value_delimiter = ',', default_value = "range")]
    strategy: Vec<String>,
    /// User data for one strategy, as STRATEGY=TEXT (repeatable), e.g. capacity-weighted=capacity=2.
    #[arg(long, value_name = "STRATEGY=TEXT")]
    user_data: Vec<String>,
    /// Start from the earliest record when the group has no committed offset (default: latest).
    #[arg(long)]
    from_beginning: bool,
    /// A static member id (group.instance.id).
    #[arg(long)]
    instance_id: Option<String>,
    /// Session timeout, in ms.
    #[arg(long, default_value_t = 10_000)]
    session_timeout_ms: u64,
    /// How often positions are committed, in ms (commits also happen before revocation and on close).
    #[arg(long, default_value_t = 5_000)]
    auto_commit_interval_ms: u64,
    /// Stop after this many records.
    #[arg(long)]
    max_records: Option<u64>,
    /// Stop after this long without a record, in ms.
    #[arg(long)]
    idle_exit_ms: Option<u64>,
    /// Print `partition offset key value` instead of the value alone.
    #[arg(long)]
    verbose: bool,
    #[command(flatten)]
    server: Server,
}

/// Reports rebalances on stderr, as the command promises.
struct PrintRebalances;

fn names(partitions: &[PartitionName]) -> String {
    partitions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl RebalanceListener for PrintRebalances {
    fn on_partitions_assigned(&mut self, partitions: &[PartitionName], assignment: &GroupAssignment) {
        let data = String::from_utf8_lossy(&assignment.user_data);
        eprintln!(
            "rebalance: generation {} strategy {} ({}); assigned [{}]; holding [{}]{}",
            assignment.generation,
            assignment.strategy.as_deref().unwrap_or("none"),
            assignment.protocol,
            names(partitions),
            names(&assignment.partitions),
            if data.is_empty() {
                String::new()
            } else {
                format!("; assignor data: {data}")
            }
        );
    }
    fn on_partitions_revoked(&mut self, partitions: &[PartitionName]) {
        eprintln!("rebalance: revoked [{}]", names(partitions));
    }
    fn on_partitions_lost(&mut self, partitions: &[PartitionName]) {
        eprintln!("rebalance: lost [{}]", names(partitions));
    }
}

pub fn run(args: ConsumeArgs) -> Result<ExitCode, String> {
    let mut config = ConsumerConfig::new(&args.group);
    config.strategies = args
        .strategy
        .iter()
        .map(|name| StrategyChoice {
            name: name.clone(),
            user_data: UserData::Empty,
        })
        .collect();
    for entry in &args.user_data {
        let (name, text) = entry
            .split_once('=')
            .ok_or_else(|| format!("--user-data {entry:?}: expected STRATEGY=TEXT"))?;
        let choice = config
            .strategies
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("--user-data {entry:?}: {name} is not in --strategy"))?;
        choice.user_data = UserData::Bytes(text.as_bytes().to_vec());
    }
    config.instance_id = args.instance_id.clone();
    config.client = args.server.options(config.client);
    config.session_timeout = Duration::from_millis(args.session_timeout_ms);
    config.heartbeat_interval = config.session_timeout / 4;
    config.auto_commit_interval = Duration::from_millis(args.auto_commit_interval_ms);
    config.auto_offset_reset = if args.from_beginning {
        OffsetReset::Earliest
    } else {
        OffsetReset::Latest
    };
    block_on(async move {
        let mut consumer = Consumer::connect(&args.server.addr, config)
            .await
            .map_err(|e| e.to_string())?;
        consumer.subscribe_with(&[args.topic.as_str()], PrintRebalances);
        let mut seen = 0u64;
        let mut last_record = Instant::now();
        let stdout = std::io::stdout();
        loop {
            let records = consumer
                .poll(Duration::from_millis(200))
                .await
                .map_err(|e| e.to_string())?;
            if !records.is_empty() {
                last_record = Instant::now();
            }
            let mut out = stdout.lock();
            let mut unprinted = records.len();
            for record in &records {
                let value = String::from_utf8_lossy(&record.value);
                let written = if args.verbose {
                    let key = record
                        .key
                        .as_deref()
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "{}-{} {} {key} {value}",
                        record.topic, record.partition, record.offset
                    )
                } else {
                    writeln!(out, "{value}")
                };
                if written.is_err() {
                    return Ok(ExitCode::SUCCESS); // stdout closed (e.g. piped into head)
                }
                seen += 1;
                unprinted -= 1;
                if args.max_records.is_some_and(|max| seen >= max) {
                    break;
                }
            }
            drop(out);
            // Records fetched but not printed are not consumed: rewind to the first of each
            // partition, so a commit does not skip them.
            let mut rewound = std::collections::HashSet::new();
            for record in &records[records.len() - unprinted..] {
                let partition = PartitionName::new(&record.topic, record.partition);
                if rewound.insert(partition.clone()) {
                    consumer
                        .seek(&partition, record.offset)
                        .map_err(|e| e.to_string())?;
                }
            }
            let done = args.max_records.is_some_and(|max| seen >= max)
                || args
                    .idle_exit_ms
                    .is_some_and(|ms| last_record.elapsed() >= Duration::from_millis(ms));
            if done {
                break;
            }
        }
        consumer.close().await.map_err(|e| e.to_string())?;
        Ok(ExitCode::SUCCESS)
    })
}
