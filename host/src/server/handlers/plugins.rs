//! What the running host has loaded and rejected.

use super::super::dispatch::{Context, blocking};
use crate::protocol::messages::plugins::PluginList;
use crate::protocol::{PluginListExt, Response, WireError};

/// On the blocking pool: the list of rejected files waits for a rescan in progress.
pub(in crate::server) async fn list(context: &Context) -> Result<Response, WireError> {
    let registry = context.services.registry.clone();
    let list = blocking(move || Ok(PluginList::of(&registry))).await?;
    Ok(Response::Plugins(list))
}
