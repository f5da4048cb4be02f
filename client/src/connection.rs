//! One multiplexed connection: any number of tasks send requests on it at once; a reader task
//! hands each answer to the request with its id.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use regroup_protocol::codec;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::consumer::ConsumerRecord;
use super::error::ClientError;
use regroup_protocol::batch::{next_offset_after, visit_batches_in_place};
use regroup_protocol::messages::ResponseView;
use regroup_protocol::{
    FrameError, FrameReader, FrameWriter, Hello, Request, Response, SharedFrame, Welcome, WireError,
    encode_frame,
};

type Answer = Result<Response, ClientError>;
type RecordsAnswer = Result<Vec<FetchedRecords>, ClientError>;

/// One partition of a fetch answer, as the connection's reader found it in the received frame.
#[derive(Debug)]
pub(crate) struct FetchedRecords {
    pub(crate) topic: String,
    pub(crate) partition: u32,
    /// The server's answer for the partition: its batches, or why it refused.
    pub(crate) result: Result<FetchedBatches, WireError>,
}

/// A partition's batches in the received frame, not checked yet: [`FetchedBatches::records`]
/// checks every CRC (with the log's decoder) and hands out records whose values point into the
/// frame.
#[derive(Debug)]
pub(crate) struct FetchedBatches {
    /// A slice of the received frame.
    batches: Bytes,
}

impl FetchedBatches {
    fn bytes(&self) -> &[u8] {
        &self.batches
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// The offset after the last batch, from the batch headers alone (no CRC checked): where
    /// the next fetch can start before these batches are checked.
    pub(crate) fn next_offset_hint(&self) -> Option<u64> {
        next_offset_after(self.bytes())
    }

    /// The records, every batch's CRC checked; `Err` says why the batches failed the log's
    /// checks.
    #[cfg(test)]
    pub(crate) fn records(&self, topic: &str, partition: u32) -> Result<Vec<ConsumerRecord>, String> {
        let mut records = Vec::new();
        self.records_into(topic, partition, 0, &mut records)?;
        Ok(records)
    }

    /// Appends the records from offset `from` on to `records`, every batch's CRC checked (those
    /// below `from` too); returns the offset after the last record when it is `from` or more.
    /// `Err` says why the batches failed the log's checks (`records` then holds some of them).
    pub(crate) fn records_into(
        &self,
        topic: &str,
        partition: u32,
        from: u64,
        records: &mut Vec<ConsumerRecord>,
    ) -> Result<Option<u64>, String> {
        let mut next = None;
        visit_batches_in_place(self.bytes(), |record, in_frame| {
            if record.offset < from {
                return;
            }
            next = Some(record.offset + 1);
            // An uncompressed batch's keys and values stay in the frame; a decompressed one's
            // are copied.
            let share = |bytes: &[u8]| match in_frame {
                true => self.batches.slice_ref(bytes),
                false => Bytes::copy_from_slice(bytes),
            };
            let value = share(record.value);
            records.push(ConsumerRecord {
                topic: topic.to_owned(),
                partition,
                offset: record.offset,
                timestamp: record.timestamp,
                key: record.key.map(share),
                value,
                headers: record.headers,
            });
        })
        .map_err(|defect| defect.to_string())?;
        Ok(next)
    }
}

/// Who waits for an answer, and in which form.
enum Waiter {
    Response(oneshot::Sender<Answer>),
    /// A fetch whose answer is decoded into records by the reader.
    Records(oneshot::Sender<RecordsAnswer>),
}

impl Waiter {
    fn fail(self, error: ClientError) {
        match self {
            Waiter::Response(sender) => drop(sender.send(Err(error))),
            Waiter::Records(sender) => drop(sender.send(Err(error))),
        }
    }
}

/// A request already encoded: sent again as is after a reconnect.
#[derive(Debug, Clone)]
pub(crate) struct EncodedRequest {
    pub(crate) kind: &'static str,
    payload: Arc<[u8]>,
}

impl EncodedRequest {
    pub(crate) fn new(request: &Request) -> Self {
        EncodedRequest {
            kind: request.kind(),
            payload: codec::encode(request).into(),
        }
    }
}

/// A frame for the writer: the header, then the shared payload.
struct Outgoing {
    header: [u8; regroup_protocol::FRAME_HEADER_LEN],
    payload: Arc<[u8]>,
}

/// Requests waiting for their answers, and why the connection ended once it has.
#[derive(Default)]
struct Pending {
    waiting: HashMap<u64, Waiter>,
    closed: Option<ClientError>,
}

fn lock(pending: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    // Each update is a single insert or removal: never half done.
    pending.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) struct Connection {
    addr: String,
    next_id: AtomicU64,
    pending: Arc<Mutex<Pending>>,
    writer: mpsc::UnboundedSender<Outgoing>,
    reader: JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        // The writer ends with its queue; the reader would wait for the server forever.
        self.reader.abort();
    }
}

impl Connection {
    /// Connects and agrees on a protocol version, within `setup_timeout` for each step.
    pub(crate) async fn open(
        addr: &str,
        client: &str,
        max_frame_bytes: usize,
        setup_timeout: Duration,
    ) -> Result<Connection, ClientError> {
        let connect_error = |reason: String| ClientError::Connect {
            addr: addr.to_owned(),
            reason,
        };
        let stream = tokio::time::timeout(setup_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| connect_error(format!("no connection within {} ms", setup_timeout.as_millis())))?
            .map_err(|e| connect_error(e.to_string()))?;
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let mut reader = FrameReader::new(read, MAX_WELCOME_BYTES);
        let mut writer = FrameWriter::new(write);
        let io = |e: std::io::Error| connect_error(e.to_string());
        writer
            .write(&encode_frame(0, &Hello::current(client)))
            .await
            .map_err(io)?;
        writer.flush().await.map_err(io)?;
        let welcome = tokio::time::timeout(setup_timeout, read_welcome(&mut reader, addr))
            .await
            .map_err(|_| ClientError::Timeout {
                addr: addr.to_owned(),
                what: "the handshake (is it a Regroup server?)".to_owned(),
                after: setup_timeout,
            })??;
        if let Welcome::Refused(error) = welcome {
            return Err(ClientError::Refused {
                addr: addr.to_owned(),
                error,
            });
        }
        reader.set_max_payload(max_frame_bytes);
        let pending = Arc::new(Mutex::new(Pending::default()));
        let (sender, queue) = mpsc::unbounded_channel();
        tokio::spawn(write_frames(writer, queue));
        let reader = tokio::spawn(read_answers(reader, Arc::clone(&pending), addr.to_owned()));
        Ok(Connection {
            addr: addr.to_owned(),
            next_id: AtomicU64::new(1),
            pending,
            writer: sender,
            reader,
        })
    }

    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.pending).closed.is_some()
    }

    /// Queues `request` now (so requests leave in the order of these calls); the receiver
    /// gets its answer.
    pub(crate) fn send(&self, request: &EncodedRequest) -> oneshot::Receiver<Answer> {
        let (answer, receiver) = oneshot::channel();
        self.send_for(request, Waiter::Response(answer));
        receiver
    }

    /// Sends a fetch whose answer comes back as decoded records.
    pub(crate) async fn fetch_records(&self, request: &EncodedRequest) -> RecordsAnswer {
        let (answer, receiver) = oneshot::channel();
        self.send_for(request, Waiter::Records(answer));
        receiver
            .await
            .unwrap_or_else(|_| Err(self.disconnected("the connection's reader stopped".into())))
    }

    fn send_for(&self, request: &EncodedRequest, waiter: Waiter) {
        let request_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut pending = lock(&self.pending);
            if let Some(error) = &pending.closed {
                waiter.fail(error.clone());
                return;
            }
            pending.waiting.insert(request_id, waiter);
        }
        let outgoing = Outgoing {
            header: encode_frame_header(request_id, request.payload.len()),
            payload: Arc::clone(&request.payload),
        };
        if self.writer.send(outgoing).is_err() {
            let reason = "the connection's writer stopped".to_owned();
            fail_all(&self.pending, self.disconnected(reason));
        }
    }

    fn disconnected(&self, reason: String) -> ClientError {
        ClientError::Disconnected {
            addr: self.addr.clone(),
            reason,
        }
    }

    /// Sends `request` and waits for its answer; a [`Response::Error`] becomes an `Err`.
    pub(crate) async fn call(&self, request: &EncodedRequest) -> Answer {
        let answer = self
            .send(request)
            .await
            .unwrap_or_else(|_| Err(self.disconnected("the connection's reader stopped".into())))?;
        match answer {
            Response::Error(error) => Err(ClientError::Server(error)),
            answer => Ok(answer),
        }
    }
}

/// Largest welcome read: a server name and a version. Anything larger is not a welcome.
const MAX_WELCOME_BYTES: usize = 16 * 1024;

/// Reads the server's answer to the hello; a peer that answers with anything but a welcome
/// frame is named as not a Regroup server, with what it sent.
async fn read_welcome(reader: &mut FrameReader<OwnedReadHalf>, addr: &str) -> Result<Welcome, ClientError> {
    let not_regroup = |bytes: &[u8]| ClientError::NotRegroup {
        addr: addr.to_owned(),
        saw: describe_bytes(bytes),
    };
    let frame = match reader.next_frame().await {
        Ok(Some(frame)) => frame,
        Ok(None) => {
            return Err(ClientError::Connect {
                addr: addr.to_owned(),
                reason: "closed the connection during the handshake".to_owned(),
            });
        }
        Err(FrameError::Io(error)) => {
            return Err(ClientError::Connect {
                addr: addr.to_owned(),
                reason: error.to_string(),
            });
        }
        // Not a frame of this protocol: a length that no welcome has, or a stream cut short.
        Err(_) => return Err(not_regroup(reader.buffered())),
    };
    codec::decode::<Welcome>(frame.payload).map_err(|_| {
        let mut sent = encode_frame_header(frame.request_id, frame.payload.len()).to_vec();
        sent.extend_from_slice(frame.payload);
        not_regroup(&sent)
    })
}

/// The 12 bytes that precede a payload of `len` bytes in a frame.
fn encode_frame_header(request_id: u64, len: usize) -> [u8; regroup_protocol::FRAME_HEADER_LEN] {
    let mut header = [0; regroup_protocol::FRAME_HEADER_LEN];
    header[..4].copy_from_slice(&((len + 8) as u32).to_le_bytes());
    header[4..].copy_from_slice(&request_id.to_le_bytes());
    header
}

/// What a peer sent, for a person: its first line if it is text (an HTTP status line, an SSH
/// banner), else its first bytes in hex.
fn describe_bytes(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = !line.is_empty() && line.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    if text {
        let shown = String::from_utf8_lossy(&line[..line.len().min(SHOWN)]);
        let more = if line.len() > SHOWN { "..." } else { "" };
        format!("text: \"{shown}{more}\"")
    } else {
        let hex: Vec<String> = bytes.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let more = if bytes.len() > 16 { " ..." } else { "" };
        format!("bytes that are not a Regroup frame: {}{more}", hex.join(" "))
    }
}

fn fail_all(pending: &Mutex<Pending>, error: ClientError) {
    let mut pending = lock(pending);
    for (_, waiter) in pending.waiting.drain() {
        waiter.fail(error.clone());
    }
    pending.closed.get_or_insert(error);
}

async fn read_answers(mut reader: FrameReader<OwnedReadHalf>, pending: Arc<Mutex<Pending>>, addr: String) {
    let reason = loop {
        let frame = match reader.next_shared_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) => break "the server closed the connection".to_owned(),
            Err(error) => break error.to_string(),
        };
        let waiter = lock(&pending).waiting.remove(&frame.request_id);
        if let Some(Waiter::Records(waiter)) = waiter {
            match records_answer(&frame) {
                Ok(answer) => {
                    let _ = waiter.send(answer);
                    continue;
                }
                Err(reason) => {
                    let _ = waiter.send(Err(ClientError::Disconnected {
                        addr: addr.clone(),
                        reason: reason.clone(),
                    }));
                    break reason;
                }
            }
        }
        let answer = match codec::decode::<Response>(&frame.payload) {
            Ok(answer) => answer,
            Err(error) => {
                if let Some(waiter) = waiter {
                    waiter.fail(ClientError::Disconnected {
                        addr: addr.clone(),
                        reason: format!("unreadable answer: {error}"),
                    });
                }
                break format!("unreadable answer: {error}");
            }
        };
        match (waiter, answer) {
            (Some(Waiter::Response(waiter)), answer) => {
                let _ = waiter.send(Ok(answer));
            }
            (Some(Waiter::Records(_)), _) => unreachable!("answered above"),
            // An error frame for no request of ours: the server is about to close.
            (None, Response::Error(error)) => break format!("the server closed the connection: {error}"),
            (None, answer) => tracing::warn!(
                request_id = frame.request_id,
                answer = answer.kind(),
                "answer to no request"
            ),
        }
    };
    fail_all(&pending, ClientError::Disconnected { addr, reason });
}

/// A fetch answer decoded into records straight from its frame; any other answer is an error.
/// `Err` when the answer is unreadable (the connection then closes, as for any answer).
fn records_answer(frame: &SharedFrame) -> Result<RecordsAnswer, String> {
    let payload = &frame.payload;
    let unexpected = |answer| {
        Ok(Err(ClientError::UnexpectedAnswer {
            request: "fetch",
            answer,
        }))
    };
    let view = match codec::decode_view::<Response, ResponseView>(payload) {
        Ok(view) => view,
        // Not one of the view's variants, or unreadable: read it whole to tell which.
        Err(_) => {
            return match codec::decode::<Response>(payload) {
                Ok(answer) => unexpected(answer.kind()),
                Err(error) => Err(format!("unreadable answer: {error}")),
            };
        }
    };
    match view {
        ResponseView::Fetched(parts) => Ok(Ok(parts
            .into_iter()
            .map(|part| FetchedRecords {
                topic: part.topic,
                partition: part.partition,
                result: part.result.map(|data| FetchedBatches {
                    batches: frame.payload.slice_ref(data.batches),
                }),
            })
            .collect())),
        ResponseView::Error(error) => Ok(Err(ClientError::Server(error))),
        ResponseView::Done => unexpected("done"),
        ResponseView::Topic(_) => unexpected("topic"),
        ResponseView::Topics(_) => unexpected("topics"),
        ResponseView::Produced(_) => unexpected("produced"),
    }
}

async fn write_frames(mut writer: FrameWriter<OwnedWriteHalf>, mut queue: mpsc::UnboundedReceiver<Outgoing>) {
    let write = async |writer: &mut FrameWriter<OwnedWriteHalf>, frame: Outgoing| {
        writer.write(&frame.header).await?;
        writer.write(&frame.payload).await
    };
    while let Some(frame) = queue.recv().await {
        if write(&mut writer, frame).await.is_err() {
            return;
        }
        while let Ok(frame) = queue.try_recv() {
            if write(&mut writer, frame).await.is_err() {
                return;
            }
        }
        if writer.flush().await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use regroup_protocol::batch;
    use regroup_protocol::record::Record;
    use std::ops::Range;

    /// Two batches of `t`-0 as the log stores them, inside a frame-like buffer at offset 3.
    fn stored_batches() -> (Bytes, Range<usize>) {
        let mut batches = batch::encode(0, &[Record::new("a").with_key("k"), Record::new("bb")], 1);
        batches.extend_from_slice(&batch::encode(2, &[Record::new("ccc")], 1));
        let mut frame = vec![9u8; 3];
        frame.extend_from_slice(&batches);
        frame.extend_from_slice(&[9u8; 5]);
        (Bytes::from(frame), 3..3 + batches.len())
    }

    #[test]
    fn what_a_foreign_peer_sent_is_shown_as_its_first_line_or_in_hex() {
        let http = describe_bytes(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(http, "text: \"HTTP/1.1 400 Bad Request\"");
        let garbage = describe_bytes(&[0xde, 0xad, 0xbe, 0xef, 0, 1]);
        assert_eq!(garbage, "bytes that are not a Regroup frame: de ad be ef 00 01");
    }

    #[test]
    fn fetched_batches_give_records_sharing_the_frame_and_refuse_a_bad_crc() {
        let (frame, range) = stored_batches();
        let batches = FetchedBatches {
            batches: frame.slice(range.clone()),
        };
        assert_eq!(batches.next_offset_hint(), Some(3));
        let records = batches.records("t", 0).unwrap();
        let mut from_one = Vec::new();
        assert_eq!(batches.records_into("t", 0, 1, &mut from_one), Ok(Some(3)));
        assert_eq!(from_one.iter().map(|r| r.offset).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(batches.records_into("t", 0, 3, &mut from_one), Ok(None));
        assert_eq!(from_one.len(), 2);
        let values: Vec<&[u8]> = records.iter().map(|r| &r.value[..]).collect();
        assert_eq!(values, [&b"a"[..], b"bb", b"ccc"]);
        assert_eq!(records.iter().map(|r| r.offset).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(records[0].key.as_deref(), Some(&b"k"[..]));
        assert_eq!((records[2].topic.as_str(), records[2].partition), ("t", 0));
        assert!(
            // The last value, then its record's header count (a one-byte varint).
            std::ptr::eq(records[2].value.as_ptr(), &frame[range.end - 3 - 1]),
            "a value points into the frame"
        );
        let key = records[0].key.as_ref().unwrap().as_ptr() as usize;
        let frame_at = frame.as_ptr() as usize;
        assert!(
            (frame_at + range.start..frame_at + range.end).contains(&key),
            "a key points into the frame"
        );

        // One flipped bit in the second batch's last value: the whole answer is refused.
        let mut corrupt = frame.to_vec();
        corrupt[range.end - 3] ^= 1;
        let batches = FetchedBatches {
            batches: Bytes::from(corrupt).slice(range),
        };
        let error = batches.records("t", 0).unwrap_err();
        assert!(error.contains("checksum"), "{error}");
    }
}
