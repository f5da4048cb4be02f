//! The `/metrics` responder: HTTP/1.x, `GET` (and `HEAD`) of `/metrics` only, one request per
//! connection. Written here rather than pulling in an HTTP server: this is all Prometheus
//! needs, and every bound is in plain sight.
//!
//! Bounds: at most [`SCRAPES_AT_ONCE`] connections are served at once (more wait in the
//! listen backlog); a request head must arrive within [`MAX_REQUEST_HEAD_BYTES`] (else it is
//! answered 431) and the whole exchange, answer included, within [`REQUEST_TIMEOUT`] (else
//! the connection is closed).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::Metrics;

/// Scrapes served at once; Prometheus sends one at a time per target.
pub const SCRAPES_AT_ONCE: usize = 8;
/// Prometheus' default `scrape_timeout`: a scraper that has not sent its request (or read the
/// answer) by then has given up.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head read: a scraper's GET is a few hundred bytes.
pub const MAX_REQUEST_HEAD_BYTES: usize = 8 << 10;

/// Answers scrapes on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    let permits = Arc::new(Semaphore::new(SCRAPES_AT_ONCE));
    loop {
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let socket = match listener.accept().await {
            Ok((socket, _)) => socket,
            Err(error) => {
                tracing::warn!(%error, "accepting a metrics connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            if tokio::time::timeout(REQUEST_TIMEOUT, answer(socket, metrics))
                .await
                .is_err()
            {
                tracing::debug!("a metrics request timed out");
            }
            drop(permit);
        });
    }
}

/// Reads one request head and answers it.
async fn answer(mut socket: TcpStream, metrics: Arc<Metrics>) {
    let (status, body, head_only) = match read_head(&mut socket).await {
        Err(HeadError::TooLarge) => ("431 Request Header Fields Too Large", String::new(), false),
        Err(HeadError::Closed) => return,
        Ok(head) => match route(&head) {
            Route::Metrics { head_only } => {
                let rendered = tokio::task::spawn_blocking(move || metrics.render()).await;
                match rendered {
                    Ok(text) => ("200 OK", text, head_only),
                    Err(_) => ("500 Internal Server Error", String::new(), false),
                }
            }
            Route::NotFound => (
                "404 Not Found",
                "only /metrics is served here\n".to_owned(),
                false,
            ),
            Route::BadMethod => ("405 Method Not Allowed", String::new(), false),
            Route::BadRequest => ("400 Bad Request", String::new(), false),
        },
    };
    let content_type = if status.starts_with("200") {
        "text/plain; version=0.0.4; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = socket.write_all(header.as_bytes()).await;
    if !head_only {
        let _ = socket.write_all(body.as_bytes()).await;
    }
    let _ = socket.shutdown().await;
}

enum HeadError {
    TooLarge,
    Closed,
}

/// The request head up to its blank line, at most [`MAX_REQUEST_HEAD_BYTES`].
async fn read_head(socket: &mut TcpStream) -> Result<String, HeadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = socket.read(&mut chunk).await.map_err(|_| HeadError::Closed)?;
        if n == 0 {
            return Err(HeadError::Closed);
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            if end > MAX_REQUEST_HEAD_BYTES {
                return Err(HeadError::TooLarge);
            }
            head.truncate(end);
            return Ok(String::from_utf8_lossy(&head).into_owned());
        }
        if head.len() > MAX_REQUEST_HEAD_BYTES {
            return Err(HeadError::TooLarge);
        }
    }
}

enum Route {
    Metrics { head_only: bool },
    NotFound,
    BadMethod,
    BadRequest,
}

fn route(head: &str) -> Route {
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Route::BadRequest;
    };
    if !version.starts_with("HTTP/1.") {
        return Route::BadRequest;
    }
    let path = target.split('?').next().unwrap_or_default();
    match (method, path) {
        ("GET", "/metrics") => Route::Metrics { head_only: false },
        ("HEAD", "/metrics") => Route::Metrics { head_only: true },
        ("GET" | "HEAD", _) => Route::NotFound,
        _ => Route::BadMethod,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_and_head_of_metrics_are_served() {
        assert!(matches!(
            route("GET /metrics HTTP/1.1\r\nHost: x"),
            Route::Metrics { head_only: false }
        ));
        assert!(matches!(
            route("HEAD /metrics?x=1 HTTP/1.0"),
            Route::Metrics { head_only: true }
        ));
        assert!(matches!(route("GET / HTTP/1.1"), Route::NotFound));
        assert!(matches!(route("POST /metrics HTTP/1.1"), Route::BadMethod));
        assert!(matches!(route("GET /metrics"), Route::BadRequest));
        assert!(matches!(route("\u{0}\u{1}"), Route::BadRequest));
    }
}
