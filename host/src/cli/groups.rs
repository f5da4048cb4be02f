//! `regroup groups list|describe|reset-offsets|delete|delete-offsets`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::{Server, block_on, plural, print_table};
use crate::client::Client;
use crate::protocol::ErrorCode;
use crate::protocol::messages::groups::GroupInfo;
use crate::protocol::messages::offsets::{WireResetScope, WireResetTo};
use crate::protocol::messages::records::WireOffsetSpec;

#[derive(Subcommand)]
pub enum GroupsCommand {
    /// List groups with their state, size and strategy.
    List {
        #[command(flatten)]
        server: Server,
        #[arg(long)]
        json: bool,
    },
    /// Describe a group: state, generation, protocol, strategy, members, assignments and lag.
    Describe {
        group: String,
        #[command(flatten)]
        server: Server,
        #[arg(long)]
        json: bool,
    },
    /// Reset an empty group's committed offsets for a topic.
    ResetOffsets {
        group: String,
        #[arg(long)]
        topic: String,
        /// earliest, latest, timestamp:MS (ms since the epoch) or offset:N.
        #[arg(long, default_value = "earliest")]
        to: String,
        #[command(flatten)]
        server: Server,
    },
    /// Delete an empty group and all its committed offsets.
    Delete {
        group: String,
        #[command(flatten)]
        server: Server,
    },
    /// Delete an empty group's committed offsets of one topic.
    DeleteOffsets {
        group: String,
        #[arg(long)]
        topic: String,
        #[command(flatten)]
        server: Server,
    },
}

pub fn run(command: GroupsCommand) -> Result<ExitCode, String> {
    block_on(async move {
        match command {
            GroupsCommand::List { server, json } => {
                let groups = server
                    .client()
                    .await?
                    .list_groups()
                    .await
                    .map_err(|e| e.to_string())?;
                if json {
                    let list: Vec<_> = groups
                        .iter()
                        .map(|g| json!({"group": g.group, "state": g.state, "members": g.members, "strategy": g.strategy}))
                        .collect();
                    out!("{}", json!(list))?;
                } else {
                    let rows: Vec<[String; 4]> = groups
                        .iter()
                        .map(|g| {
                            [
                                g.group.clone(),
                                g.state.clone(),
                                g.members.to_string(),
                                g.strategy.clone().unwrap_or_default(),
                            ]
                        })
                        .collect();
                    print_table(["GROUP", "STATE", "MEMBERS", "STRATEGY"], &rows)?;
                }
            }
            GroupsCommand::Describe { group, server, json } => {
                let client = server.client().await?;
                let info = client.describe_group(&group).await.map_err(|e| e.to_string())?;
                let lag = lag(&client, &group).await?;
                if json {
                    out!("{}", describe_json(&info, &lag))?;
                } else {
                    print_describe(&info, &lag)?;
                }
            }
            GroupsCommand::ResetOffsets {
                group,
                topic,
                to,
                server,
            } => {
                let to = parse_reset(&to)?;
                let client = server.client().await?;
                let offsets = client
                    .reset_offsets(&group, WireResetScope::Topics(vec![topic]), to)
                    .await
                    .map_err(|e| e.to_string())?;
                for (partition, offset) in offsets {
                    out!("{partition} -> {offset}")?;
                }
            }
            GroupsCommand::Delete { group, server } => {
                let client = server.client().await?;
                client.delete_group(&group).await.map_err(|e| e.to_string())?;
                out!("deleted group {group}")?;
            }
            GroupsCommand::DeleteOffsets { group, topic, server } => {
                let client = server.client().await?;
                let forgotten = client
                    .delete_offsets(&group, &topic)
                    .await
                    .map_err(|e| e.to_string())?;
                out!(
                    "deleted the committed offsets of group {group} on {}: {}",
                    plural(forgotten.len() as u64, "partition"),
                    forgotten
                        .iter()
                        .map(|c| format!("{} (was {})", c.partition, c.offset))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn parse_reset(text: &str) -> Result<WireResetTo, String> {
    let number = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| format!("--to {text:?}: {s:?} is not a whole number"))
    };
    match text.split_once(':') {
        None if text == "earliest" => Ok(WireResetTo::Earliest),
        None if text == "latest" => Ok(WireResetTo::Latest),
        Some(("timestamp", ms)) => Ok(WireResetTo::Timestamp(number(ms)?)),
        Some(("offset", n)) => Ok(WireResetTo::Offset(number(n)?)),
        _ => Err(format!(
            "--to {text:?}: expected earliest, latest, timestamp:MS or offset:N"
        )),
    }
}

/// Per partition with a committed offset: the committed offset, and the end offset and lag,
/// or why the partition has none (its topic was deleted, or has fewer partitions now).
type Lag = BTreeMap<(String, u32), (i64, Result<(u64, u64), String>)>;

async fn lag(client: &Client, group: &str) -> Result<Lag, String> {
    let committed = client
        .committed_offsets(group, None)
        .await
        .map_err(|e| e.to_string())?;
    let mut lag = Lag::new();
    for commit in committed {
        let (topic, partition) = (commit.partition.topic.clone(), commit.partition.partition);
        // A stale entry (its partition is gone) is shown as such, never fails the describe.
        let end = match client
            .list_offset(&topic, partition, WireOffsetSpec::Latest)
            .await
        {
            Ok(end) => {
                let end = end.unwrap_or(0);
                Ok((end, end.saturating_sub(commit.offset.max(0) as u64)))
            }
            Err(error) if error.is(ErrorCode::UnknownTopic) || error.is(ErrorCode::UnknownPartition) => {
                Err("partition no longer exists".to_owned())
            }
            Err(error) => return Err(error.to_string()),
        };
        lag.insert((topic, partition), (commit.offset, end));
    }
    Ok(lag)
}

fn describe_json(info: &GroupInfo, lag: &Lag) -> serde_json::Value {
    json!({
        "group": info.group,
        "state": info.state,
        "generation": info.generation,
        "protocol": info.protocol.as_str(),
        "strategy": info.strategy.as_ref().map(|(name, version, hash)| json!({"name": name, "version": version, "hash": hash})),
        "leader": info.leader,
        "degraded": info.degraded,
        "rebalancing": info.rebalancing,
        "last_rebalance": info.last_rebalance.as_ref().map(|r| json!({
            "cause": r.cause, "duration_ms": r.duration_ms, "generation": r.generation, "failures": r.failures,
        })),
        "members": info.members.iter().map(|m| json!({
            "member_id": m.member_id,
            "instance_id": m.instance_id,
            "rack": m.rack,
            "topics": m.topics,
            "partitions": m.partitions.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "pending": m.pending.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "revoking": m.revoking.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "user_data_bytes": m.strategies,
            "assignment_user_data_bytes": m.assignment_user_data,
        })).collect::<Vec<_>>(),
        "offsets": lag.iter().map(|((topic, partition), (committed, end))| match end {
            Ok((end, behind)) => json!({
                "topic": topic, "partition": partition, "committed": committed, "end": end, "lag": behind,
            }),
            Err(why) => json!({
                "topic": topic, "partition": partition, "committed": committed, "end": null, "lag": null, "note": why,
            }),
        }).collect::<Vec<_>>(),
    })
}

fn print_describe(info: &GroupInfo, lag: &Lag) -> Result<(), String> {
    let strategy = info
        .strategy
        .as_ref()
        .map_or("none".to_owned(), |(name, version, hash)| {
            format!("{name} {version} ({})", &hash[..hash.len().min(12)])
        });
    out!(
        "group {}: {} generation {} protocol {} strategy {} leader {}",
        info.group,
        info.state,
        info.generation,
        info.protocol,
        strategy,
        info.leader.as_deref().unwrap_or("-")
    )?;
    if let Some(reason) = &info.degraded {
        out!("degraded: {reason}")?;
    }
    if let Some(r) = &info.last_rebalance {
        out!(
            "last rebalance: generation {} in {} ms, cause: {}",
            r.generation,
            r.duration_ms,
            r.cause
        )?;
        for failure in &r.failures {
            out!("  failed: {failure}")?;
        }
    }
    let rows: Vec<[String; 4]> = info
        .members
        .iter()
        .map(|m| {
            let data: u64 = m.strategies.iter().map(|(_, n)| n).sum();
            [
                m.member_id.clone(),
                m.instance_id.clone().unwrap_or_default(),
                m.partitions
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                format!("{data}/{}", m.assignment_user_data),
            ]
        })
        .collect();
    print_table(
        ["MEMBER", "INSTANCE", "PARTITIONS", "USER DATA IN/OUT (BYTES)"],
        &rows,
    )?;
    if !lag.is_empty() {
        out!("")?;
        let rows: Vec<[String; 4]> = lag
            .iter()
            .map(|((topic, partition), (committed, end))| {
                let (end, behind) = match end {
                    Ok((end, behind)) => (end.to_string(), behind.to_string()),
                    Err(why) => ("-".to_owned(), format!("- ({why})")),
                };
                [format!("{topic}-{partition}"), committed.to_string(), end, behind]
            })
            .collect();
        print_table(["PARTITION", "COMMITTED", "END", "LAG"], &rows)?;
    }
    Ok(())
}
