//! `regroup topics create|alter|list|describe|delete|add-partitions`, configs by Kafka's names.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use super::{Server, block_on, plural, print_table};
use crate::log::TOPIC_CONFIG_KEYS;
use crate::protocol::messages::topics::{ConfigChange, CreateTopic, TopicInfo};

/// What `--config` takes, for the help texts.
const CONFIG_HELP: &str = "retention.ms (-1: no limit), retention.bytes (per partition, -1: no limit), \
segment.bytes, segment.ms, flush.policy (every_batch, os or interval_ms:N)";

#[derive(Subcommand)]
pub enum TopicsCommand {
    /// Create a topic (as kafka-topics.sh --create).
    Create {
        /// The topic's name.
        topic: String,
        /// Number of partitions.
        #[arg(long, default_value_t = 1)]
        partitions: u32,
        /// A topic config by its Kafka name, as KEY=VALUE (repeatable): retention.ms (-1: no
        /// limit), retention.bytes (per partition, -1: no limit), segment.bytes, segment.ms,
        /// flush.policy (every_batch, os or interval_ms:N) [default: the host's setting for each].
        #[arg(long = "config", value_name = "KEY=VALUE")]
        configs: Vec<String>,
        #[command(flatten)]
        server: Server,
    },
    /// Change a topic's configs (as kafka-configs.sh --alter); in force from the next append.
    Alter {
        /// The topic's name.
        topic: String,
        /// Set a config by its Kafka name, as KEY=VALUE (repeatable); the keys `topics create
        /// --config` takes [default: none].
        #[arg(
            long = "config",
            value_name = "KEY=VALUE",
            required_unless_present = "delete_configs"
        )]
        configs: Vec<String>,
        /// Put a config back to the host's setting (repeatable) [default: none].
        #[arg(long = "delete-config", value_name = "KEY")]
        delete_configs: Vec<String>,
        #[command(flatten)]
        server: Server,
    },
    /// List topic names.
    List(ListArgs),
    /// Show a topic's configs and partitions.
    Describe {
        /// The topic's name.
        topic: String,
        #[command(flatten)]
        server: Server,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Delete a topic and its records; groups forget their offsets of it.
    Delete {
        /// The topic's name.
        topic: String,
        #[command(flatten)]
        server: Server,
    },
    /// Grow a topic to a total number of partitions; groups reading it rebalance.
    AddPartitions {
        /// The topic's name.
        topic: String,
        /// The new total number of partitions (more than it has).
        #[arg(long)]
        total: u32,
        #[command(flatten)]
        server: Server,
    },
}

/// `KEY=VALUE` of `--config`, with a known key.
fn parse_config(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("--config {text:?}: expected KEY=VALUE ({CONFIG_HELP})"))?;
    known_key(key)?;
    Ok((key.to_owned(), value.to_owned()))
}

fn known_key(key: &str) -> Result<(), String> {
    match TOPIC_CONFIG_KEYS.contains(&key) {
        true => Ok(()),
        false => Err(format!("unknown topic config {key:?} (known: {CONFIG_HELP})")),
    }
}

/// A topic's configs by their Kafka names, as `--config` takes them.
fn configs(info: &TopicInfo) -> [(&'static str, String); 5] {
    let limit = |v: Option<u64>| v.map_or("-1".to_owned(), |v| v.to_string());
    [
        ("retention.ms", limit(info.retention_ms)),
        ("retention.bytes", limit(info.retention_bytes)),
        ("segment.bytes", info.segment_bytes.to_string()),
        ("segment.ms", info.segment_ms.to_string()),
        (
            "flush.policy",
            crate::log::FlushPolicy::from(info.flush).to_string(),
        ),
    ]
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    server: Server,
    /// Print one JSON array instead of one name a line.
    #[arg(long)]
    json: bool,
}

pub fn run(command: TopicsCommand) -> Result<ExitCode, String> {
    block_on(async move {
        match command {
            TopicsCommand::Create {
                topic,
                partitions,
                configs,
                server,
            } => {
                let create = CreateTopic {
                    topic,
                    partitions,
                    configs: configs
                        .iter()
                        .map(|c| parse_config(c))
                        .collect::<Result<_, _>>()?,
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
            TopicsCommand::Alter {
                topic,
                configs,
                delete_configs,
                server,
            } => {
                let mut changes = Vec::new();
                for config in &configs {
                    let (key, value) = parse_config(config)?;
                    changes.push(ConfigChange::set(&key, &value));
                }
                for key in &delete_configs {
                    known_key(key)?;
                    changes.push(ConfigChange::delete(key));
                }
                let info = server
                    .client()
                    .await?
                    .alter_topic_configs(&topic, changes)
                    .await
                    .map_err(|e| e.to_string())?;
                out!("altered {}: {}", info.topic, config_line(&info))?;
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

fn config_line(info: &TopicInfo) -> String {
    configs(info)
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn topic_json(info: &TopicInfo) -> serde_json::Value {
    let configs: serde_json::Map<String, serde_json::Value> = configs(info)
        .into_iter()
        .map(|(key, value)| (key.to_owned(), json!(value)))
        .collect();
    json!({
        "topic": info.topic,
        "configs": configs,
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
    out!("topic {}: {}", info.topic, config_line(info))?;
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
