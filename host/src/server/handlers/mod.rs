//! One module per family of requests; each function takes the decoded request and returns the
//! answer.

pub(super) mod groups;
pub(super) mod offsets;
pub(super) mod plugins;
pub(super) mod records;
pub(super) mod topics;
