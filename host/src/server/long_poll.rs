//! The long poll of a fetch, one loop for both listeners (the native protocol's and Kafka's):
//! read the asked partitions on the blocking pool; when the pass is not worth answering yet
//! (too few bytes, nothing failed), wait for the next append, the deadline or shutdown, and
//! read again into the same buffer.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinError;
use tokio::time::Instant;

use super::shutdown::Shutdown;
use crate::log::ReadBuffer;

/// What one read of a fetch's partitions came to.
pub(crate) trait FetchPass: Send + 'static {
    /// Answer now: enough bytes were read, or a partition failed.
    fn worth_answering(&self) -> bool;
    /// The buffer read into, for the next pass.
    fn into_buffer(self) -> ReadBuffer;
}

/// Runs `read` (on tokio's blocking pool: it reads files) until a pass is worth answering, the
/// `wait` is over or the host shuts down; between passes, waits for `appended` to be notified.
/// Fails only when a pass panicked.
pub(crate) async fn long_poll<P: FetchPass>(
    appended: &Notify,
    shutdown: &Shutdown,
    wait: Duration,
    mut buffer: ReadBuffer,
    read: impl Fn(ReadBuffer) -> P + Send + Sync + 'static,
) -> Result<P, JoinError> {
    let deadline = Instant::now() + wait;
    let read = Arc::new(read);
    let mut shutdown = shutdown.clone();
    loop {
        // Registered before reading, so an append between the read and the wait is not missed.
        let notified = appended.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let pass = Arc::clone(&read);
        let result = tokio::task::spawn_blocking(move || pass(buffer)).await?;
        if result.worth_answering() || Instant::now() >= deadline || shutdown.is_shutdown() {
            return Ok(result);
        }
        buffer = result.into_buffer();
        tokio::select! {
            () = &mut notified => {}
            () = tokio::time::sleep_until(deadline) => {}
            () = shutdown.recv() => {}
        }
    }
}
