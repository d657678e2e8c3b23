//! A scripted HTTP/1.1 server on a real loopback socket, for testing the client's behaviour
//! against resets, early closes, HTML gateways and late starts.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emcoctl::{Config, Endpoint, Service};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, e.g. `/v2/projects`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server does with a request it has read completely.
#[derive(Debug, Clone)]
pub enum Action {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Reset the connection (RST): "connection reset by peer" after the request was sent.
    Reset,
    /// Close the connection without answering (EOF).
    Close,
}

impl Action {
    pub fn json(status: u16, body: &str) -> Action {
        Action::with_type(status, "application/json", body)
    }

    pub fn text(status: u16, body: &str) -> Action {
        Action::with_type(status, "text/plain; charset=utf-8", &format!("{body}\n"))
    }

    pub fn html(status: u16, body: &str) -> Action {
        Action::with_type(status, "text/html", body)
    }

    pub fn empty(status: u16) -> Action {
        Action::Respond {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    fn with_type(status: u16, content_type: &str, body: &str) -> Action {
        Action::Respond {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.to_string(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Action {
        if let Action::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Action + Send + Sync;

/// The server: runs on its own thread, so it serves sync (CLI) and async tests alike.
pub struct TestServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves on an ephemeral loopback port. The handler gets each request and its index.
    pub fn start(handler: impl Fn(&Recorded, usize) -> Action + Send + Sync + 'static) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        TestServer::spawn(addr, Some(listener), Duration::ZERO, Arc::new(handler))
    }

    /// Takes a free port now but starts listening on it only after `delay`.
    pub fn start_later(
        delay: Duration,
        handler: impl Fn(&Recorded, usize) -> Action + Send + Sync + 'static,
    ) -> Self {
        let addr = free_port();
        TestServer::spawn(addr, None, delay, Arc::new(handler))
    }

    fn spawn(
        addr: SocketAddr,
        listener: Option<std::net::TcpListener>,
        delay: Duration,
        handler: Arc<Handler>,
    ) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let recorded = requests.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = &mut stopped => return,
                }
                let listener = match listener {
                    Some(l) => {
                        l.set_nonblocking(true).expect("nonblocking");
                        TcpListener::from_std(l).expect("listener")
                    }
                    None => bind_retrying(addr).await,
                };
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let handler = handler.clone();
                            let recorded = recorded.clone();
                            tokio::spawn(serve(stream, handler, recorded));
                        }
                        _ = &mut stopped => return,
                    }
                }
            });
        });
        TestServer {
            addr,
            requests,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("requests lock").clone()
    }

    /// A configuration sending every service to this server.
    pub fn config(&self) -> Config {
        let ep = Endpoint::new("127.0.0.1", self.addr.port());
        Service::ALL
            .into_iter()
            .fold(Config::empty(), |c, s| c.with_endpoint(s, ep.clone()))
    }

    /// The same, as an `emco-cfg.yaml` text.
    pub fn config_yaml(&self) -> String {
        let port = self.addr.port();
        ["orchestrator", "clm", "dcm", "ncm", "dtc"]
            .iter()
            .map(|s| format!("  {s}:\n    host: 127.0.0.1\n    port: {port}\n"))
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A loopback address that nothing listens on (just released by the OS).
pub fn free_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    l.local_addr().expect("local addr")
}

async fn bind_retrying(addr: SocketAddr) -> TcpListener {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match TcpListener::bind(addr).await {
            Ok(l) => return l,
            Err(e) if tokio::time::Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("cannot bind {addr}: {e}"),
        }
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, recorded: Arc<Mutex<Vec<Recorded>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let index = {
        let mut all = recorded.lock().expect("requests lock");
        all.push(request.clone());
        all.len() - 1
    };
    match handler(&request, index) {
        Action::Respond {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
            for (k, v) in &headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Action::Reset => {
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Action::Close => {
            let _ = stream.shutdown().await;
            drop(stream);
        }
    }
}

/// Reads one request: head, then a Content-Length or chunked body.
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut rest = buf[head_end + 4..].to_vec();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while rest.len() < len {
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(len);
        rest
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(stream, rest).await?
    } else {
        Vec::new()
    };
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        while find(&buf, b"\r\n").is_none() {
            fill(stream, &mut buf).await?;
        }
        let line_end = find(&buf, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            fill(stream, &mut buf).await?;
        }
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await.ok()?;
    if n == 0 {
        return None;
    }
    buf.extend_from_slice(&chunk[..n]);
    Some(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes a file into `dir` and returns its path.
pub fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

/// The result of running the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs emcoctl with `$HOME` pointing at `home` (so no user config is picked up).
pub fn emcoctl(home: &std::path::Path, args: &[&str]) -> Run {
    let output = assert_cmd::cargo::cargo_bin_cmd!("emcoctl")
        .env("HOME", home)
        .current_dir(home)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run emcoctl");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn setup(server: &TestServer) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write(dir.path(), "emco-cfg.yaml", &server.config_yaml());
    (dir, cfg.display().to_string())
}

pub fn project(name: &str) -> String {
    format!("version: emco/v2\nresourceContext:\n  anchor: projects\nmetadata:\n  name: {name}\n")
}
