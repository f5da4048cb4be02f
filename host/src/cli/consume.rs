//! `regroup consume`: join a group, print records on stdout and each rebalance on stderr.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;

use tokio::signal::unix::{Signal, SignalKind, signal};

use super::{Server, block_on};
use crate::client::{
    Consumer, ConsumerConfig, GroupAssignment, OffsetReset, RebalanceListener, StrategyChoice, UserData,
};
use crate::group::PartitionName;
use crate::protocol::ErrorCode;

#[derive(Args)]
pub struct ConsumeArgs {
    /// The topic to read.
    #[arg(long)]
    topic: String,
    /// The consumer group to read as a member of (Kafka's group.id).
    #[arg(long)]
    group: String,
    /// Accepted strategies, most preferred first (Kafka's partition.assignment.strategy).
    #[arg(long, value_delimiter = ',', default_value = "range")]
    strategy: Vec<String>,
    /// User data for one strategy, as STRATEGY=TEXT (repeatable), e.g. capacity-weighted=capacity=2
    /// [default: none].
    #[arg(long, value_name = "STRATEGY=TEXT")]
    user_data: Vec<String>,
    /// Start from the earliest record when the group has no committed offset (Kafka's
    /// auto.offset.reset=earliest) [default: latest].
    #[arg(long)]
    from_beginning: bool,
    /// A static member id (Kafka's group.instance.id) [default: none, a dynamic member].
    #[arg(long)]
    instance_id: Option<String>,
    /// Session timeout, in ms (Kafka's session.timeout.ms).
    #[arg(long, default_value_t = 10_000)]
    session_timeout_ms: u64,
    /// How often positions are committed, in ms (Kafka's auto.commit.interval.ms; commits also
    /// happen before revocation and on close).
    #[arg(long, default_value_t = 5_000)]
    auto_commit_interval_ms: u64,
    /// Stop after this many records [default: no limit].
    #[arg(long)]
    max_records: Option<u64>,
    /// Stop after this long without a record, in ms [default: never].
    #[arg(long)]
    idle_exit_ms: Option<u64>,
    /// Print `partition offset key value` instead of the value alone [default: the value alone].
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
        note!(
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
        note!("rebalance: revoked [{}]", names(partitions));
    }
    fn on_partitions_lost(&mut self, partitions: &[PartitionName]) {
        note!("rebalance: lost [{}]", names(partitions));
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
        // Kafka's consumer would wait for the topic to appear; a person at a terminal is told.
        let client = args.server.client().await?;
        match client.describe_topic(&args.topic).await {
            Ok(_) => {}
            Err(error) if error.is(ErrorCode::UnknownTopic) => {
                return Err(format!(
                    "topic {:?} does not exist on {} (create it with `regroup topics create {}`)",
                    args.topic, args.server.addr, args.topic
                ));
            }
            Err(error) => return Err(error.to_string()),
        }
        drop(client);
        consumer.subscribe_with(&[args.topic.as_str()], PrintRebalances);
        let mut stop = Stop::listen()?;
        let outcome = consume(&mut consumer, &args, &mut stop).await;
        // Every way out (a limit, a signal, stdout closed, an error) commits what was printed
        // and leaves the group, so the next run resumes after it and the others rebalance now.
        let closed = tokio::select! {
            closed = consumer.close() => closed.map_err(|e| format!("leaving the group: {e}")),
            why = stop.next() => Err(format!("{why} again while leaving the group: stopped at once, perhaps before committing")),
        };
        outcome?;
        closed?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Reads and prints until a limit is reached, a signal arrives or stdout closes (`Ok`), or a
/// poll fails (`Err`). Positions end after the last record printed.
async fn consume(consumer: &mut Consumer, args: &ConsumeArgs, stop: &mut Stop) -> Result<(), String> {
    let mut seen = 0u64;
    let mut last_record = Instant::now();
    let stdout = std::io::stdout();
    loop {
        if stdout_closed() {
            return Ok(());
        }
        // Cancelling a poll loses nothing: positions move only when it returns records.
        let records = tokio::select! {
            records = consumer.poll(Duration::from_millis(200)) => records.map_err(|e| e.to_string())?,
            why = stop.next() => {
                tracing::info!("{why}: committing and leaving the group");
                return Ok(());
            }
        };
        if !records.is_empty() {
            last_record = Instant::now();
        }
        let mut out = stdout.lock();
        let mut printed = 0;
        let mut closed = false;
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
                closed = true; // stdout closed (e.g. piped into head)
                break;
            }
            seen += 1;
            printed += 1;
            if args.max_records.is_some_and(|max| seen >= max) {
                break;
            }
        }
        drop(out);
        // Records fetched but not printed are not consumed: rewind to the first of each
        // partition, so a commit does not skip them.
        let mut rewound = std::collections::HashSet::new();
        for record in &records[printed..] {
            let partition = PartitionName::new(&record.topic, record.partition);
            if rewound.insert(partition.clone()) {
                consumer
                    .seek(&partition, record.offset)
                    .map_err(|e| e.to_string())?;
            }
        }
        let done = closed
            || args.max_records.is_some_and(|max| seen >= max)
            || args
                .idle_exit_ms
                .is_some_and(|ms| last_record.elapsed() >= Duration::from_millis(ms));
        if done {
            return Ok(());
        }
    }
}

/// SIGINT (Ctrl-C) and SIGTERM, as a stream of reasons to stop.
struct Stop {
    interrupt: Signal,
    terminate: Signal,
}

impl Stop {
    fn listen() -> Result<Stop, String> {
        let listen = |kind: SignalKind| signal(kind).map_err(|e| format!("cannot listen for signals: {e}"));
        Ok(Stop {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "interrupted (SIGINT)",
            _ = self.terminate.recv() => "terminated (SIGTERM)",
        }
    }
}

/// Whether stdout is a pipe whose reader has gone (`consume | head` after head exits), seen
/// without writing: an idle consumer notices too.
fn stdout_closed() -> bool {
    let mut stdout = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, a zero timeout; poll only writes `revents`.
    let ready = unsafe { libc::poll(&mut stdout, 1, 0) };
    ready > 0 && stdout.revents & (libc::POLLERR | libc::POLLHUP) != 0
}
