#![no_std]

#[path = "issues/issue_431.rs"]
mod issue_431;

#[path = "issues/issue_427.rs"]
mod issue_427;

#[path = "issues/issue_467.rs"]
mod issue_467;

#[path = "issues/issue_459.rs"]
mod issue_459;

#[path = "issues/issue_474.rs"]
mod issue_474;

#[path = "issues/issue_498.rs"]
mod issue_498;

#[path = "issues/issue_500.rs"]
mod issue_500;

#[path = "issues/issue_523.rs"]
mod issue_523;

#[path = "issues/issue_537.rs"]
mod issue_537;

#[path = "issues/issue_547.rs"]
mod issue_547;

#[path = "issues/issue_570.rs"]
mod issue_570;

#[path = "issues/issue_592.rs"]
mod issue_592;

#[path = "issues/issue_614.rs"]
mod issue_614;
