//! `regroup groups list|describe|reset-offsets|delete|delete-offsets`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::{Server, block_on, plural, print_table};
use crate::client::Client;
use crate::group::PartitionName;
use crate::protocol::ErrorCode;
use crate::protocol::messages::groups::{GroupInfo, MemberInfo};
use crate::protocol::messages::offsets::{CommitOffsets, OffsetCommit};
use crate::protocol::messages::records::WireOffsetSpec;

#[derive(Subcommand)]
pub enum GroupsCommand {
    /// List groups with their state, size and strategy.
    List {
        #[command(flatten)]
        server: Server,
        /// Print one JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Describe a group: state, generation, protocol, strategy, members, assignments and lag.
    Describe {
        /// The group's id (Kafka's group.id).
        group: String,
        #[command(flatten)]
        server: Server,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show, and with --execute commit, new offsets of an empty group on a topic (as
    /// kafka-consumer-groups.sh --reset-offsets: a dry run unless --execute is given).
    ResetOffsets {
        /// The group's id (Kafka's group.id).
        group: String,
        /// The topic whose partitions are reset (all of them).
        #[arg(long)]
        topic: String,
        #[command(flatten)]
        target: ResetTarget,
        /// Commit the new offsets; without it nothing changes [default: a dry run].
        #[arg(long, conflicts_with = "dry_run")]
        execute: bool,
        /// Only show the new offsets (what happens anyway without --execute).
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        server: Server,
    },
    /// Delete an empty group and all its committed offsets.
    Delete {
        /// The group's id (Kafka's group.id).
        group: String,
        #[command(flatten)]
        server: Server,
    },
    /// Delete an empty group's committed offsets of one topic.
    DeleteOffsets {
        /// The group's id (Kafka's group.id).
        group: String,
        /// The topic whose committed offsets are deleted.
        #[arg(long)]
        topic: String,
        #[command(flatten)]
        server: Server,
    },
}

/// Where `reset-offsets` moves each partition: exactly one is required, as Kafka's tool does.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
pub struct ResetTarget {
    /// To each partition's earliest offset (its log start).
    #[arg(long)]
    to_earliest: bool,
    /// To each partition's end (the offset the next record will get).
    #[arg(long)]
    to_latest: bool,
    /// To this offset, brought within each partition's range [default: none].
    #[arg(long, value_name = "OFFSET")]
    to_offset: Option<i64>,
    /// To the first record at or after this time, as YYYY-MM-DDTHH:MM:SS[.sss][Z], taken as
    /// UTC; partitions with no record that late go to their end [default: none].
    #[arg(long, value_name = "DATETIME")]
    to_datetime: Option<String>,
    /// Move each committed offset by this many records (negative: back), brought within the
    /// partition's range [default: none].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    shift_by: Option<i64>,
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
                        .map(|g| json!({"group": g.group, "type": g.group_type, "state": g.state, "members": g.members, "strategy": g.strategy}))
                        .collect();
                    out!("{}", json!(list))?;
                } else {
                    let rows: Vec<[String; 5]> = groups
                        .iter()
                        .map(|g| {
                            [
                                g.group.clone(),
                                g.group_type.clone(),
                                g.state.clone(),
                                g.members.to_string(),
                                g.strategy.clone().unwrap_or_default(),
                            ]
                        })
                        .collect();
                    print_table(["GROUP", "TYPE", "STATE", "MEMBERS", "STRATEGY"], &rows)?;
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
                target,
                execute,
                dry_run: _,
                server,
            } => {
                let client = server.client().await?;
                let plan = reset_plan(&client, &group, &topic, &target).await?;
                let rows: Vec<[String; 3]> = plan
                    .iter()
                    .map(|(partition, current, new)| {
                        let current = current.map_or("-".to_owned(), |c| c.to_string());
                        [format!("{topic}-{partition}"), current, new.to_string()]
                    })
                    .collect();
                print_table(["PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"], &rows)?;
                if execute {
                    let offsets = plan
                        .iter()
                        .map(|&(partition, _, offset)| OffsetCommit {
                            partition: PartitionName::new(&topic, partition),
                            offset,
                            metadata: None,
                        })
                        .collect();
                    client
                        .commit_offsets(CommitOffsets {
                            group: group.clone(),
                            member: None,
                            offsets,
                        })
                        .await
                        .map_err(|e| e.to_string())?;
                    note!(
                        "committed the new offsets of group {group} on {}",
                        plural(plan.len() as u64, "partition")
                    );
                } else {
                    note!("dry run: nothing changed; add --execute to commit these offsets");
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

/// Per partition of `topic`: its committed offset, if any, and where `target` moves it. The
/// group must be empty (Kafka's tool refuses an active group too); the host checks it again
/// when the plan is committed.
async fn reset_plan(
    client: &Client,
    group: &str,
    topic: &str,
    target: &ResetTarget,
) -> Result<Vec<(u32, Option<i64>, i64)>, String> {
    let error = |e: crate::client::ClientError| e.to_string();
    let members = client.describe_group(group).await.map_err(error)?.members.len();
    if members > 0 {
        return Err(format!(
            "cannot reset the offsets of group {group}: it has {}; stop them first",
            plural(members as u64, "member")
        ));
    }
    let info = client.describe_topic(topic).await.map_err(error)?;
    let committed: BTreeMap<u32, i64> = client
        .committed_offsets(group, None)
        .await
        .map_err(error)?
        .into_iter()
        .filter(|c| c.partition.topic == topic)
        .map(|c| (c.partition.partition, c.offset))
        .collect();
    let timestamp = target.to_datetime.as_deref().map(parse_datetime).transpose()?;
    let mut plan = Vec::new();
    for p in &info.partitions {
        let (start, end) = (p.log_start_offset as i64, p.high_watermark as i64);
        let current = committed.get(&p.partition).copied();
        let new = if target.to_earliest {
            start
        } else if target.to_latest {
            end
        } else if let Some(offset) = target.to_offset {
            offset.clamp(start, end)
        } else if let Some(ms) = timestamp {
            client
                .list_offset(topic, p.partition, WireOffsetSpec::Timestamp(ms))
                .await
                .map_err(error)?
                .map_or(end, |offset| offset as i64)
        } else {
            let shift = target.shift_by.unwrap_or(0);
            let current = current.ok_or_else(|| {
                format!(
                    "--shift-by: group {group} has no committed offset on {topic}-{} to shift",
                    p.partition
                )
            })?;
            current.saturating_add(shift).clamp(start, end)
        };
        plan.push((p.partition, current, new));
    }
    Ok(plan)
}

/// `--to-datetime` in ms since the epoch.
fn parse_datetime(text: &str) -> Result<i64, String> {
    let time = humantime::parse_rfc3339_weak(text)
        .map_err(|e| format!("--to-datetime {text:?}: {e} (expected YYYY-MM-DDTHH:MM:SS[.sss][Z], UTC)"))?;
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| format!("--to-datetime {text:?}: before 1970"))?;
    Ok(since_epoch.as_millis() as i64)
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
        "type": info.group_type,
        "protocol_type": info.protocol_type,
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
            "client_id": m.client_id,
            "client_host": m.client_host,
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
            if info.group_type == "classic" {
                // Chosen by the members' vote; the leader's client runs it.
                format!("{name} (assigned by the leader)")
            } else {
                format!("{name} {version} ({})", &hash[..hash.len().min(12)])
            }
        });
    out!(
        "group {} ({}{}): {} generation {} protocol {} strategy {} leader {}",
        info.group,
        info.group_type,
        info.protocol_type
            .as_deref()
            .map(|t| format!(", protocol type {t}"))
            .unwrap_or_default(),
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
    let partitions = |m: &MemberInfo| {
        m.partitions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let user_data = |m: &MemberInfo| {
        let data: u64 = m.strategies.iter().map(|(_, n)| n).sum();
        format!("{data}/{}", m.assignment_user_data)
    };
    if info.members.iter().any(|m| m.client_id.is_some()) {
        // Kafka clients: who and where each is, as Kafka's tools show them.
        let rows: Vec<[String; 6]> = info
            .members
            .iter()
            .map(|m| {
                [
                    m.member_id.clone(),
                    m.client_id.clone().unwrap_or_default(),
                    m.client_host.clone().unwrap_or_default(),
                    m.instance_id.clone().unwrap_or_default(),
                    partitions(m),
                    user_data(m),
                ]
            })
            .collect();
        print_table(
            [
                "MEMBER",
                "CLIENT",
                "HOST",
                "INSTANCE",
                "PARTITIONS",
                "USER DATA IN/OUT (BYTES)",
            ],
            &rows,
        )?;
    } else {
        let rows: Vec<[String; 4]> = info
            .members
            .iter()
            .map(|m| {
                [
                    m.member_id.clone(),
                    m.instance_id.clone().unwrap_or_default(),
                    partitions(m),
                    user_data(m),
                ]
            })
            .collect();
        print_table(
            ["MEMBER", "INSTANCE", "PARTITIONS", "USER DATA IN/OUT (BYTES)"],
            &rows,
        )?;
    }
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
