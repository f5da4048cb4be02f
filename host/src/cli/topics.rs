//! `regroup topics create|list|describe|delete|add-partitions`.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Server, block_on, plural, print_table};
use crate::protocol::messages::topics::{CreateTopic, TopicInfo, WireFlush};
use crate::runtime::parse_flush_policy;

/// A flush policy as `--flush` and the configuration file write it.
fn flush_text(flush: WireFlush) -> String {
    match flush {
        WireFlush::EveryBatch => "every_batch".to_owned(),
        WireFlush::Os => "os".to_owned(),
        WireFlush::IntervalMs(ms) => format!("interval_ms:{ms}"),
    }
}

#[derive(Subcommand)]
pub enum TopicsCommand {
    /// Create a topic.
    Create {
        topic: String,
        #[arg(long, default_value_t = 1)]
        partitions: u32,
        /// every_batch, os or interval_ms:N [default: the host's].
        #[arg(long)]
        flush: Option<String>,
        /// Delete segments older than this, in ms (0 keeps them) [default: the host's].
        #[arg(long)]
        retention_ms: Option<u64>,
        /// Keep at most this many bytes per partition (0: no limit) [default: the host's].
        #[arg(long)]
        retention_bytes: Option<u64>,
        #[command(flatten)]
        server: Server,
    },
    /// List topic names.
    List(ListArgs),
    /// Show a topic's settings and partitions.
    Describe {
        topic: String,
        #[command(flatten)]
        server: Server,
        #[arg(long)]
        json: bool,
    },
    /// Delete a topic and its records.
    Delete {
        topic: String,
        #[command(flatten)]
        server: Server,
    },
    /// Grow a topic to a total number of partitions; groups reading it rebalance.
    AddPartitions {
        topic: String,
        /// The new total.
        #[arg(long)]
        total: u32,
        #[command(flatten)]
        server: Server,
    },
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    server: Server,
    #[arg(long)]
    json: bool,
}

pub fn run(command: TopicsCommand) -> Result<ExitCode, String> {
    block_on(async move {
        match command {
            TopicsCommand::Create {
                topic,
                partitions,
                flush,
                retention_ms,
                retention_bytes,
                server,
            } => {
                let flush = flush
                    .map(|f| parse_flush_policy(&f).map(WireFlush::from))
                    .transpose()?;
                let limit = |v: u64| (v > 0).then_some(v);
                let create = CreateTopic {
                    topic,
                    partitions,
                    flush,
                    retention_bytes: retention_bytes.map(limit),
                    retention_ms: retention_ms.map(limit),
                    segment_bytes: None,
                };
                let info = server
                    .client()
                    .await?
                    .create_topic(create)
                    .await
                    .map_err(|e| e.to_string())?;
                out!(
                    "created {} with {}",
                    info.topic,
                    plural(info.partition_count(), "partition")
                )?;
            }
            TopicsCommand::List(args) => {
                let topics = args
                    .server
                    .client()
                    .await?
                    .list_topics()
                    .await
                    .map_err(|e| e.to_string())?;
                if args.json {
                    out!("{}", json!(topics))?;
                } else {
                    for topic in &topics {
                        out!("{topic}")?;
                    }
                }
            }
            TopicsCommand::Describe { topic, server, json } => {
                let info = server
                    .client()
                    .await?
                    .describe_topic(&topic)
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    out!("{}", topic_json(&info))?;
                } else {
                    print_topic(&info)?;
                }
            }
            TopicsCommand::Delete { topic, server } => {
                server
                    .client()
                    .await?
                    .delete_topic(&topic)
                    .await
                    .map_err(|e| e.to_string())?;
                out!("deleted {topic}")?;
            }
            TopicsCommand::AddPartitions { topic, total, server } => {
                let info = server
                    .client()
                    .await?
                    .add_partitions(&topic, total)
                    .await
                    .map_err(|e| e.to_string())?;
                out!(
                    "{} now has {}",
                    info.topic,
                    plural(info.partition_count(), "partition")
                )?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn topic_json(info: &TopicInfo) -> serde_json::Value {
    json!({
        "topic": info.topic,
        "flush": flush_text(info.flush),
        "retention_bytes": info.retention_bytes,
        "retention_ms": info.retention_ms,
        "segment_bytes": info.segment_bytes,
        "partitions": info.partitions.iter().map(|p| json!({
            "partition": p.partition,
            "log_start_offset": p.log_start_offset,
            "high_watermark": p.high_watermark,
            "size_bytes": p.size_bytes,
            "segments": p.segment_count,
        })).collect::<Vec<_>>(),
    })
}

fn print_topic(info: &TopicInfo) -> Result<(), String> {
    let retention = |v: Option<u64>, unit: &str| v.map_or("none".to_owned(), |v| format!("{v} {unit}"));
    out!(
        "topic {}: flush {}, retention {} / {}, segments of {} bytes",
        info.topic,
        flush_text(info.flush),
        retention(info.retention_ms, "ms"),
        retention(info.retention_bytes, "bytes"),
        info.segment_bytes
    )?;
    let rows: Vec<[String; 5]> = info
        .partitions
        .iter()
        .map(|p| {
            [
                p.partition.to_string(),
                p.log_start_offset.to_string(),
                p.high_watermark.to_string(),
                p.size_bytes.to_string(),
                p.segment_count.to_string(),
            ]
        })
        .collect();
    print_table(["PARTITION", "START", "END", "BYTES", "SEGMENTS"], &rows)
}
