//! Starting and stopping: binding the socket, TLS, the env files, the shared state, the
//! accept loop, and shutdown.
//!
//! The server is hyper 1 on a small tokio runtime with rustls (tokio-rustls). It runs
//! either as the `aad-emulator` process ([`run`]) or in-process on a background thread
//! ([`Server::start`]), so tests can use it either way.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::sync::Arc;

use aad_common::{Error, Result};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::auth::keys::TokenKey;
use crate::config::Config;
use crate::env_files::{self, Exports};
use crate::handler::handle;
use crate::state::State;
use crate::tenant::Tenant;

/// Threads for the CPU work of requests.
const BLOCKING_THREADS: usize = 4;

/// How long the accept loop waits after a failed accept.
const ACCEPT_BACKOFF: std::time::Duration = std::time::Duration::from_millis(100);

/// Everything decided before serving.
struct Prepared {
    listener: StdListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    base_url: String,
    exports: Exports,
    /// Removed when the server stops.
    temp_dir: Option<PathBuf>,
}

/// An emulator running in this process on a background thread; stops when dropped.
pub struct Server {
    base_url: String,
    exports: Exports,
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

    /// `http://127.0.0.1:PORT` or `https://...`: the port is the one bound, also for
    /// `--port 0`.
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
    let shutdown = shutdown_signal(&runtime);
    if print_env {
        env_files::print(out, &prepared.exports).map_err(Error::stdout)?;
    }
    // The socket is bound and listening already: connections queue until accepted.
    writeln!(out, "listening on {}", prepared.base_url).map_err(Error::stdout)?;
    out.flush().map_err(Error::stdout)?;
    let temp_dir = prepared.temp_dir.clone();
    let result = runtime.block_on(serve(prepared, shutdown));
    if let Some(dir) = temp_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The CPU work of requests (generating, filtering, rendering, compressing)
        // runs on the blocking pool: a few threads are enough to use the machine, and
        // more would only take time slices from the workers that answer.
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
        .map_err(|e| Error::internal("cannot start the async runtime").with_source(e))
}

/// Completes on SIGINT or SIGTERM. The handlers are installed here, before `listening
/// on` is printed, not when the future is first polled: a supervisor that reads that
/// line and signals at once must not kill the process instead of stopping it.
fn shutdown_signal(runtime: &tokio::runtime::Runtime) -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let _context = runtime.enter();
    let term = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (term, interrupt) {
            (Ok(mut term), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// Binds the socket, sets up TLS, builds the tenant, writes the env files.
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

    let token_key = TokenKey::generate();
    let tenants: Vec<Tenant> = (0..config.tenants)
        .map(|i| Tenant::new(&config, i, token_key.clone()))
        .collect();
    let directories: Vec<&crate::auth::Directory> = tenants.iter().map(|t| &t.directory).collect();
    let written = env_files::write(&config, &directories, &base_url, port, ca_pem.as_deref())?;
    Ok(Prepared {
        listener,
        tls,
        state: Arc::new(State::new(config, tenants, scheme, host)),
        base_url,
        exports: written.exports,
        temp_dir: written.temp_dir,
    })
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
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: give the system a moment instead of
                    // spinning on the error.
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                };
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
