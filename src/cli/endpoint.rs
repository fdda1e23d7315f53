//! 本机端点: the local endpoint of the process holding a store (the console), so that reads,
//! export and backup work while it is open.
//!
//! A Unix domain socket, [`ENDPOINT_SOCKET`] in the store directory, mode 0600, created under a
//! private name and renamed into place once it has that mode; a client connects only to a socket
//! owned by its own uid, and the holder answers only peers of its own uid. It speaks JSON lines:
//! the client sends one request `{"v":1,"now":"<RFC 3339>","read":{…}}` (its clock, so the
//! answer is what a direct open would print), the holder answers `{"out":"<text>"}` lines (what
//! the command prints, or the export or backup file's content) and ends with `{"done":<outcome>}`
//! or `{"error":"<message>"}`. The holder answers with [`reads::answer`] over a desk on its own
//! repository: the Desk is the only way in, and the endpoint has no logic of its own. Every wait
//! is bounded; the socket is removed when the holder stops serving, and one left by a holder
//! that died refuses connections and is ignored (the next process to take the lock removes it).

use std::io::{BufRead, BufReader, Read as _, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::reads::{self, Outcome, Read};
use crate::service::{Desk, FixedClock};
pub use crate::store::ENDPOINT_SOCKET;

/// The protocol version a request carries.
const PROTOCOL: u32 = 1;
/// Requests answered at the same time; more are told the holder is busy.
const MAX_CONNECTIONS: usize = 4;
/// The longest request line, and the time a client has to send it.
const MAX_REQUEST: u64 = 64 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the holder waits for a client to take each piece of the answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client waits for each line of the answer (an audit of a million applications
/// takes tens of seconds before its first line).
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);
/// Output is sent in pieces of at most this size (whole characters).
const CHUNK: usize = 64 * 1024;
/// The longest answer line a client accepts (a piece of output, JSON-escaped: at most 6 bytes
/// for each byte of it).
const MAX_REPLY_LINE: u64 = 8 * CHUNK as u64;

#[derive(Serialize, Deserialize)]
struct Request {
    v: u32,
    now: DateTime<FixedOffset>,
    read: Read,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Out(String),
    Done(Outcome),
    Error(String),
}

/// A holder's endpoint: serving until stopped or dropped.
pub struct Endpoint {
    path: PathBuf,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    answering: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// Serve reads on the store `desk` is over, whose directory (locked by this process) is `dir`.
pub fn serve(dir: &Path, desk: Arc<Desk>) -> std::io::Result<Endpoint> {
    let path = dir.join(ENDPOINT_SOCKET);
    let private = dir.join(format!(".{ENDPOINT_SOCKET}.{}", std::process::id()));
    let _ = std::fs::remove_file(&private);
    let listener = UnixListener::bind(&private)?;
    let placed = std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600))
        .and_then(|_| std::fs::rename(&private, &path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&private);
        return Err(e);
    }
    let stopping = Arc::new(AtomicBool::new(false));
    let answering: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
    let accept = {
        let (stopping, answering) = (stopping.clone(), answering.clone());
        std::thread::Builder::new()
            .name("powerdesk-endpoint".into())
            .spawn(move || accept_loop(listener, desk, stopping, answering))?
    };
    Ok(Endpoint {
        path,
        stopping,
        accept: Some(accept),
        answering,
    })
}

impl Endpoint {
    /// Stop serving: answers under way end at their next piece, the socket file is removed.
    pub fn stop(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accepting thread.
        let _ = UnixStream::connect(&self.path);
        let _ = accept.join();
        let answering = std::mem::take(&mut *lock(&self.answering));
        for thread in answering {
            let _ = thread.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop(
    listener: UnixListener,
    desk: Arc<Desk>,
    stopping: Arc<AtomicBool>,
    answering: Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        if peer_uid(&stream) != Some(my_uid()) {
            continue;
        }
        let mut threads = lock(&answering);
        threads.retain(|t| !t.is_finished());
        if threads.len() >= MAX_CONNECTIONS {
            let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
            let _ = send(
                &stream,
                &Reply::Error(format!(
                    "the process holding the store is answering {MAX_CONNECTIONS} other requests; run the command again"
                )),
            );
            continue;
        }
        let (desk, stopping) = (desk.clone(), stopping.clone());
        if let Ok(thread) = std::thread::Builder::new()
            .name("powerdesk-endpoint-answer".into())
            .spawn(move || answer_one(stream, &desk, &stopping))
        {
            threads.push(thread);
        }
    }
}

fn my_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The uid of the process at the other end of `stream` (SO_PEERCRED).
fn peer_uid(stream: &UnixStream) -> Option<u32> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(cred.uid)
}

fn send(mut stream: &UnixStream, reply: &Reply) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(reply)?;
    line.push(b'\n');
    stream.write_all(&line)
}

/// Answer one connection: read its request, run it through the desk, send the output in pieces
/// and the outcome.
fn answer_one(stream: UnixStream, desk: &Desk, stopping: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let request = match read_request(&stream) {
        Ok(r) => r,
        Err(e) => {
            let _ = send(&stream, &Reply::Error(format!("{e:#}")));
            return;
        }
    };
    let mut out = Pieces {
        stream: &stream,
        pending: Vec::new(),
        stopping,
    };
    let result = reads::desk_for(desk.repository().clone(), Arc::new(FixedClock(request.now)))
        .and_then(|(desk, source)| reads::answer(&desk, &source, &request.read, &mut out))
        .and_then(|outcome| {
            out.send_pending()?;
            Ok(outcome)
        });
    let reply = match result {
        Ok(outcome) => Reply::Done(outcome),
        // What was printed before the error is printed too, as a direct run would.
        Err(e) => match out.send_pending() {
            Ok(()) => Reply::Error(format!("{e:#}")),
            Err(_) => return,
        },
    };
    let _ = send(&stream, &reply);
}

fn read_request(stream: &UnixStream) -> Result<Request> {
    let mut line = Vec::new();
    BufReader::new(stream)
        .take(MAX_REQUEST)
        .read_until(b'\n', &mut line)
        .context("reading the request")?;
    if !line.ends_with(b"\n") {
        bail!("the request is not one line of at most {MAX_REQUEST} bytes");
    }
    let value: serde_json::Value =
        serde_json::from_slice(&line).context("the request is not JSON")?;
    let version = value.get("v").and_then(|v| v.as_u64());
    if version != Some(u64::from(PROTOCOL)) {
        bail!(
            "this powerdesk speaks endpoint protocol {PROTOCOL}, the request {}; use the same powerdesk for both",
            version.map_or("names none".to_string(), |v| format!("is version {v}"))
        );
    }
    serde_json::from_value(value).context("the request")
}

/// The output of an answer, sent in pieces of at most [`CHUNK`] bytes of whole characters.
struct Pieces<'a> {
    stream: &'a UnixStream,
    pending: Vec<u8>,
    stopping: &'a AtomicBool,
}

impl Pieces<'_> {
    fn send_upto(&mut self, end: usize) -> std::io::Result<()> {
        if self.stopping.load(Ordering::SeqCst) {
            return Err(std::io::Error::other(
                "the console holding the store is closing; run the command again",
            ));
        }
        let rest = self.pending.split_off(end);
        let piece = std::mem::replace(&mut self.pending, rest);
        let text = String::from_utf8(piece)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        send(self.stream, &Reply::Out(text))
    }

    fn send_pending(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.send_upto(self.pending.len())
    }
}

impl Write for Pieces<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while self.pending.len() > CHUNK {
            // A piece ends where a character ends.
            let mut end = CHUNK;
            while end > 0 && self.pending[end] & 0xC0 == 0x80 {
                end -= 1;
            }
            self.send_upto(end)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Ask the process holding the store in `dir` to run `read` as of `now`, writing its output to
/// `out`. None: no process serves the store there (no socket, or one left by a process that
/// has died). A socket that is not ours is refused with an error.
pub fn ask(
    dir: &Path,
    read: &Read,
    now: DateTime<FixedOffset>,
    out: &mut dyn Write,
) -> Result<Option<Outcome>> {
    let path = dir.join(ENDPOINT_SOCKET);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if !meta.file_type().is_socket() {
        bail!(
            "{} is not a powerdesk endpoint (not a socket); remove it",
            path.display()
        );
    }
    if meta.uid() != my_uid() {
        bail!(
            "{} belongs to uid {}, not to you (uid {}): not asking it; run the command as the store's owner",
            path.display(),
            meta.uid(),
            my_uid()
        );
    }
    let stream = match UnixStream::connect(&path) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound
            ) =>
        {
            return Ok(None); // left by a holder that has died
        }
        Err(e) => return Err(e).with_context(|| format!("connecting to {}", path.display())),
    };
    let holder = "the process holding the store";
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    let mut request = serde_json::to_vec(&Request {
        v: PROTOCOL,
        now,
        read: read.clone(),
    })?;
    request.push(b'\n');
    (&stream)
        .write_all(&request)
        .with_context(|| format!("asking {holder} through {}", path.display()))?;
    let mut replies = BufReader::new(&stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut replies)
            .take(MAX_REPLY_LINE)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("reading the answer of {holder}"))?;
        if read == 0 || !line.ends_with(b"\n") {
            bail!("{holder} stopped answering (it may have closed); run the command again");
        }
        let reply: Reply = serde_json::from_slice(&line)
            .map_err(|e| anyhow!("{holder} answered something else than powerdesk's endpoint protocol ({e}); use the same powerdesk for both"))?;
        match reply {
            Reply::Out(text) => out.write_all(text.as_bytes())?,
            Reply::Done(outcome) => return Ok(Some(outcome)),
            Reply::Error(message) => bail!("{message}"),
        }
    }
}
