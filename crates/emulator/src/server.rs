//! The HTTP side: listening (plain or TLS), connections, latency, gzip, truncated
//! bodies, the `/_emulator/` test endpoints, start-up and shutdown.
//!
//! The server is hyper 1 on a small tokio runtime with rustls (tokio-rustls). It runs
//! either as the `aad-emulator` process ([`run`]) or in-process on a background thread
//! ([`Server::start`]), so tests can use it either way.

use std::convert::Infallible;
use std::future::Future;
use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use aad_common::{Error, Result};
use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::BodyExt as _;
use hyper::body::{Frame, Incoming as IncomingBody, SizeHint};
use hyper::header::{ACCEPT_ENCODING, HOST};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::auth::{
    self, AUDIT_ROLE, App, DIRECTORY_ROLE, Directory, FEDERATION_AUDIENCE, FEDERATION_SUBJECT,
    Identity, jwt::SigningKey,
};
use crate::config::Config;
use crate::data::Dataset;
use crate::faults::Faults;
use crate::reply::{Reply, RequestIds};
use crate::requests_log::RequestLog;
use crate::rng::Rng;
use crate::routes::{self, Incoming};
use crate::store::Store;
use crate::time::now_ticks;

/// Largest request body accepted (token requests are small).
const MAX_REQUEST_BODY: usize = 1 << 20;
/// Bodies smaller than this are not worth compressing.
const GZIP_MIN: usize = 1024;
/// Lifetime of the federated token file written at start.
const FEDERATED_TOKEN_TTL: i64 = 24 * 3600;

/// Shared by every connection.
pub(crate) struct State {
    pub config: Config,
    pub store: Store,
    pub dir: Directory,
    pub faults: Faults,
    pub log: RequestLog,
    scheme: &'static str,
    default_host: String,
}

/// Everything decided before serving: the bound socket, TLS, state, exports.
struct Prepared {
    listener: StdListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    base_url: String,
    exports: Vec<(String, String)>,
    temp_dir: Option<PathBuf>,
}

/// An emulator running in this process on a background thread; stops when dropped.
pub struct Server {
    base_url: String,
    exports: Vec<(String, String)>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Binds, prepares the data and starts serving; returns once connections are accepted.
    pub fn start(config: Config) -> Result<Server> {
        let prepared = prepare(config)?;
        let base_url = prepared.base_url.clone();
        let exports = prepared.exports.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let runtime = runtime()?;
        let thread = std::thread::Builder::new()
            .name(crate::NAME.into())
            .spawn(move || {
                let temp_dir = prepared.temp_dir.clone();
                let _ = runtime.block_on(serve(prepared, async {
                    let _ = rx.await;
                }));
                if let Some(dir) = temp_dir {
                    let _ = std::fs::remove_dir_all(dir);
                }
            })
            .map_err(|e| Error::internal("cannot start the emulator thread").with_source(e))?;
        Ok(Server {
            base_url,
            exports,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` or `https://...`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The variables `--print-env` would print.
    pub fn exports(&self) -> &[(String, String)] {
        &self.exports
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs the emulator in the foreground until SIGINT or SIGTERM; prints the `export`
/// lines (with `--print-env`) and then `listening on <base-url>` to `out`.
pub(crate) fn run(config: Config, out: &mut dyn std::io::Write) -> Result<()> {
    let print_env = config.print_env;
    let prepared = prepare(config)?;
    let runtime = runtime()?;
    let stdout_err = |e| Error::stdout(e);
    if print_env {
        for (name, value) in &prepared.exports {
            writeln!(out, "export {name}={}", shell_quote(value)).map_err(stdout_err)?;
        }
    }
    // The socket is bound and listening already: connections queue until accepted.
    writeln!(out, "listening on {}", prepared.base_url).map_err(stdout_err)?;
    out.flush().map_err(stdout_err)?;
    let temp_dir = prepared.temp_dir.clone();
    let result = runtime.block_on(serve(prepared, shutdown_signal()));
    if let Some(dir) = temp_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::internal("cannot start the async runtime").with_source(e))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `'value'` for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// Binds the socket, builds the directory and TLS, writes the env files.
fn prepare(config: Config) -> Result<Prepared> {
    let addr = SocketAddr::new(config.bind, config.port);
    let listener = StdListener::bind(addr)
        .map_err(|e| Error::usage(format!("cannot listen on {addr}")).with_source(e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::internal("cannot configure the socket").with_source(e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::internal("cannot read the bound port").with_source(e))?
        .port();
    let shown_ip = if config.bind.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        config.bind
    };
    let host = match shown_ip {
        IpAddr::V6(ip) => format!("[{ip}]:{port}"),
        IpAddr::V4(ip) => format!("{ip}:{port}"),
    };
    let scheme = if config.tls { "https" } else { "http" };
    let base_url = format!("{scheme}://{host}");

    let (tls, ca_pem) = if config.tls {
        let tls = crate::tls::generate(config.bind)
            .map_err(|e| Error::internal("cannot set up TLS").with_source(e))?;
        (Some(TlsAcceptor::from(tls.config)), Some(tls.ca_pem))
    } else {
        (None, None)
    };
    if let (Some(path), Some(pem)) = (&config.cert_out, &ca_pem) {
        std::fs::write(path, pem).map_err(|e| Error::file("write", path, e))?;
    }

    let dir = directory(&config);
    let (env_dir, temp_dir) = match (&config.env_dir, config.print_env) {
        (Some(d), _) => (Some(d.clone()), None),
        (None, true) => {
            let d =
                std::env::temp_dir().join(format!("{}-{}-{port}", crate::NAME, std::process::id()));
            (Some(d.clone()), Some(d))
        }
        (None, false) => (None, None),
    };
    let exports = match &env_dir {
        Some(d) => write_env_files(d, &config, &dir, &base_url, ca_pem.as_deref())?,
        None => Vec::new(),
    };
    let state = Arc::new(State {
        store: Store::new(config.store.clone()),
        faults: Faults::new(config.faults.clone()),
        log: RequestLog::default(),
        dir,
        scheme,
        default_host: host,
        config,
    });
    Ok(Prepared {
        listener,
        tls,
        state,
        base_url,
        exports,
        temp_dir,
    })
}

/// The emulated tenant's applications, identities and keys.
fn directory(config: &Config) -> Directory {
    let mut rng = Rng::for_item(config.store.context.seed, 0xd1, 0);
    let secret = config.client_secret.clone().unwrap_or_else(random_secret);
    let mut certs = auth::trusted_certs(auth::DEMO_CLIENT_PEM);
    for pem in &config.client_certs {
        certs.extend(auth::trusted_certs(pem));
    }
    Directory {
        tenant_id: config.tenant_id.clone(),
        tenant_domain: config.tenant_domain.clone(),
        apps: vec![
            App {
                client_id: config.client_id.clone(),
                object_id: rng.guid(),
                display_name: "Audit log collector",
                roles: vec![AUDIT_ROLE, DIRECTORY_ROLE],
            },
            App {
                client_id: NOPERM_CLIENT_ID.to_string(),
                object_id: rng.guid(),
                display_name: "App without AuditLog.Read.All",
                roles: vec![],
            },
        ],
        identities: vec![
            Identity {
                client_id: rng.guid(),
                object_id: rng.guid(),
                user_assigned: false,
            },
            Identity {
                client_id: USER_ASSIGNED_CLIENT_ID.to_string(),
                object_id: rng.guid(),
                user_assigned: true,
            },
        ],
        secret,
        certs,
        identity_header: random_secret(),
        token_ttl: config.token_ttl,
        access_key: SigningKey::random(format!("{}-access", crate::NAME)),
        federation_key: SigningKey::random(format!("{}-federation", crate::NAME)),
    }
}

/// Client id of the application that lacks AuditLog.Read.All.
pub const NOPERM_CLIENT_ID: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
/// Client id of the user-assigned managed identity.
pub const USER_ASSIGNED_CLIENT_ID: &str = "4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1b";

/// A secret like the portal's: 40 characters of letters, digits and `~._-`.
fn random_secret() -> String {
    use ring::rand::{SecureRandom, SystemRandom};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~._-";
    let mut bytes = [0u8; 40];
    let _ = SystemRandom::new().fill(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Writes the secret, certificate, federated token and CA files; returns the exports.
fn write_env_files(
    dir_path: &std::path::Path,
    config: &Config,
    dir: &Directory,
    base: &str,
    ca_pem: Option<&str>,
) -> Result<Vec<(String, String)>> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir_path)
        .map_err(|e| Error::file("create", dir_path, e))?;
    let write_private = |name: &str, content: &str| -> Result<String> {
        let path = dir_path.join(name);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::file("write", &path, e))?;
        file.write_all(content.as_bytes())
            .map_err(|e| Error::file("write", &path, e))?;
        Ok(path.to_string_lossy().into_owned())
    };
    let now = chrono::Utc::now().timestamp();
    let mut exports = vec![
        ("AZURE_AUTHORITY_HOST".to_string(), base.to_string()),
        ("AAD_GRAPH_URL".to_string(), base.to_string()),
        ("AAD_LEGACY_GRAPH_URL".to_string(), base.to_string()),
        ("AZURE_TENANT_ID".to_string(), config.tenant_id.clone()),
        ("AZURE_CLIENT_ID".to_string(), config.client_id.clone()),
        (
            "AAD_CLIENT_SECRET_FILE".to_string(),
            write_private("client-secret", &dir.secret)?,
        ),
    ];
    if let Some(pem) = ca_pem {
        let path = match &config.cert_out {
            Some(p) => p.to_string_lossy().into_owned(),
            None => write_private("ca.pem", pem)?,
        };
        exports.push(("SSL_CERT_FILE".to_string(), path));
    }
    let system_identity = dir
        .identities
        .iter()
        .find(|i| !i.user_assigned)
        .map(|i| i.client_id.clone())
        .unwrap_or_default();
    exports.extend([
        (
            "AAD_EMULATOR_CERTIFICATE_PATH".to_string(),
            write_private("client.pem", auth::DEMO_CLIENT_PEM)?,
        ),
        (
            "AAD_EMULATOR_FEDERATED_TOKEN_FILE".to_string(),
            write_private(
                "federated-token",
                &dir.federated_token(
                    FEDERATION_SUBJECT,
                    FEDERATION_AUDIENCE,
                    now,
                    FEDERATED_TOKEN_TTL,
                ),
            )?,
        ),
        ("AAD_EMULATOR_IMDS_ENDPOINT".to_string(), base.to_string()),
        (
            "AAD_EMULATOR_IDENTITY_ENDPOINT".to_string(),
            format!("{base}/msi/token"),
        ),
        (
            "AAD_EMULATOR_IDENTITY_HEADER".to_string(),
            dir.identity_header.clone(),
        ),
        (
            "AAD_EMULATOR_SYSTEM_ASSIGNED_CLIENT_ID".to_string(),
            system_identity,
        ),
        (
            "AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID".to_string(),
            USER_ASSIGNED_CLIENT_ID.to_string(),
        ),
        (
            "AAD_EMULATOR_NOPERM_CLIENT_ID".to_string(),
            NOPERM_CLIENT_ID.to_string(),
        ),
    ]);
    Ok(exports)
}

/// Accepts connections until `shutdown` completes.
async fn serve(prepared: Prepared, shutdown: impl Future<Output = ()>) -> Result<()> {
    let listener = TcpListener::from_std(prepared.listener)
        .map_err(|e| Error::internal("cannot use the socket").with_source(e))?;
    let state = prepared.state;
    let tls = prepared.tls;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(state, req).await) }
                    });
                    let builder = http1::Builder::new();
                    match tls {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                });
            }
        }
    }
}

/// One request: route it, log it, wait out the latency, encode the reply.
async fn handle(state: Arc<State>, req: Request<IncomingBody>) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or(&state.default_host)
        .to_string();
    let base = format!("{}://{host}", state.scheme);
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let gzip = parts
        .headers
        .get(ACCEPT_ENCODING)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| {
            h.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        });

    if let Some(name) = path.strip_prefix("/_emulator/") {
        return encode(testing(&state, name, &query), gzip);
    }
    let body = match http_body_util::Limited::new(body, MAX_REQUEST_BODY)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let ids = RequestIds::new(
        parts
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok()),
    );
    let now = chrono::Utc::now().timestamp();
    let incoming = Incoming {
        method: parts.method.as_str(),
        path: &path,
        query: &query,
        headers: &parts.headers,
        body: &body,
        base: &base,
        host: &host,
    };
    let mut routed = routes::route(&state, &incoming, &ids, now);
    routed.log["gzip"] = json!(compresses(gzip, &routed.reply));
    let status = routed.reply.status;
    let fault = routed.reply.fault;
    if state.config.verbose {
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}: {} {}{} -> {status}{} ({} ms)",
            crate::NAME,
            parts.method,
            path,
            if query.is_empty() {
                String::new()
            } else {
                aad_common::sanitize::redact_url(&format!("?{query}"))
            },
            fault.map(|f| format!(" [{f}]")).unwrap_or_default(),
            started.elapsed().as_millis()
        );
    }
    state
        .log
        .record(&routed.endpoint, status, fault, routed.log);
    let response = encode(routed.reply, gzip);
    latency_until(started + state.config.faults.latency).await;
    response
}

/// Waits until `deadline`. The timer wheel has millisecond ticks and rounds up, so it
/// sleeps to just short of the deadline and yields for the rest: the latency a client
/// sees stays within tens of microseconds of `--latency-ms`, and benchmarks measure the
/// client, not the emulator's timer.
async fn latency_until(deadline: Instant) {
    let early = deadline.checked_sub(std::time::Duration::from_millis(2));
    if let Some(early) = early.filter(|&e| e > Instant::now()) {
        tokio::time::sleep_until(early.into()).await;
    }
    while Instant::now() < deadline {
        tokio::task::yield_now().await;
    }
}

/// `/_emulator/...`: ground truth and request inspection for tests.
fn testing(state: &State, name: &str, query: &str) -> Reply {
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match name {
        "truth" => match param("report").and_then(Dataset::from_name) {
            Some(dataset) => {
                state.store.advance(dataset, now_ticks());
                Reply::bytes(
                    200,
                    "application/x-ndjson",
                    Bytes::from(state.store.truth(dataset)),
                )
            }
            None => Reply::json(
                400,
                &json!({"error": "unknown or missing report; use ?report=NAME", "reports": Dataset::ALL.iter().map(|d| d.name()).collect::<Vec<_>>()}),
            ),
        },
        "requests" => Reply::bytes(200, "application/x-ndjson", Bytes::from(state.log.ndjson())),
        "stats" => Reply::json(200, &state.log.stats()),
        "federated-token" => {
            let now = chrono::Utc::now().timestamp();
            let ttl = param("ttl").and_then(|t| t.parse().ok()).unwrap_or(3600);
            let token = state.dir.federated_token(
                param("subject").unwrap_or(FEDERATION_SUBJECT),
                param("audience").unwrap_or(FEDERATION_AUDIENCE),
                now,
                ttl,
            );
            Reply::bytes(200, "text/plain", Bytes::from(token))
        }
        _ => Reply::json(
            404,
            &json!({"error": format!("no test endpoint '/_emulator/{name}'")}),
        ),
    }
}

/// Turns a reply into a response: headers, optional gzip, optional truncation.
/// Whether a reply goes out gzip-compressed: the client accepts it and the body is
/// large enough to be worth it.
fn compresses(accepted: bool, reply: &Reply) -> bool {
    accepted && reply.body.len() >= GZIP_MIN
}

fn encode(reply: Reply, gzip: bool) -> Response<Body> {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value);
    }
    let compress = compresses(gzip, &reply);
    let mut body = reply.body;
    if compress {
        let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
        if encoder.write_all(&body).is_ok()
            && let Ok(compressed) = encoder.finish()
        {
            body = Bytes::from(compressed);
            builder = builder
                .header("content-encoding", "gzip")
                .header("vary", "Accept-Encoding");
        }
    }
    let full_length = body.len() as u64;
    let body = if reply.truncate {
        Body::Truncated {
            part: Some(body.slice(..body.len() / 2)),
            full_length,
            pause: None,
        }
    } else {
        Body::Full(Some(body))
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::Full(Some(Bytes::from_static(b"{}")))))
}

/// A response body: whole, or cut short after announcing its full length.
pub(crate) enum Body {
    /// The whole body.
    Full(Option<Bytes>),
    /// The first part, then (after a pause that lets hyper flush it) an error that
    /// makes hyper drop the connection.
    Truncated {
        part: Option<Bytes>,
        full_length: u64,
        pause: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

/// How long a truncated body waits before the connection is dropped.
const TRUNCATION_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        match &mut *self {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Truncated { part, pause, .. } => {
                if let Some(d) = part.take() {
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                // hyper flushes what it has while the body is pending; only then fail.
                let sleep =
                    pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(TRUNCATION_PAUSE)));
                match sleep.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "injected truncation",
                    )))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Truncated { full_length, .. } => SizeHint::with_exact(*full_length),
        }
    }
}

/// For `--dump`: the dataset's records as NDJSON to `out`.
pub(crate) fn dump(config: &Config, report: &str, out: &mut dyn std::io::Write) -> Result<()> {
    let dataset = Dataset::from_name(report).ok_or_else(|| {
        Error::usage(format!(
            "--dump: unknown report '{report}' (one of: {})",
            Dataset::ALL
                .iter()
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    Store::dump(&config.store, dataset, &mut |record| {
        out.write_all(record)?;
        out.write_all(b"\n")
    })
    .map_err(Error::stdout)?;
    out.flush().map_err(Error::stdout)
}
