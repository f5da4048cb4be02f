//! Tests of the log as a whole: recovery after each kind of crash, a real SIGKILL, property
//! tests of appends and reads, concurrency, topics and retention through [`super::Log`].

mod concurrency;
mod interleaving;
mod log_api;
mod recovery;
mod sigkill;
