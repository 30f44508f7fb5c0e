//! Replies turned into HTTP responses: headers, gzip, and the truncated bodies of
//! `--truncate-every`. Every response passes through [`encode`], so a header that every
//! answer carries is added there.

use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::Response;
use hyper::body::{Frame, SizeHint};

use crate::reply::Reply;

/// Bodies smaller than this are not worth compressing.
const GZIP_MIN: usize = 1024;

/// How long a truncated body waits before the connection is dropped: long enough for
/// hyper to flush the part that is sent.
const TRUNCATION_PAUSE: Duration = Duration::from_millis(20);

/// Whether a reply goes out gzip-compressed: the client accepts it and the body is
/// large enough to be worth it.
pub(crate) fn compresses(accepted: bool, reply: &Reply) -> bool {
    accepted && reply.body.len() >= GZIP_MIN
}

/// The response for `reply`; `gzip` says whether the client accepts gzip.
pub(crate) fn encode(reply: Reply, gzip: bool) -> Response<Body> {
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
    /// `None` once sent.
    Full(Option<Bytes>),
    /// The first part, then (after a pause that lets hyper flush it) an error that
    /// makes hyper drop the connection.
    Truncated {
        part: Option<Bytes>,
        full_length: u64,
        pause: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
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
            // The announced length is the whole body's, also when only part is sent.
            Body::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Truncated { full_length, .. } => SizeHint::with_exact(*full_length),
        }
    }
}
