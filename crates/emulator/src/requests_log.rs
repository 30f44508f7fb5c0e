//! What the emulator received, for tests: the last requests as NDJSON (secrets
//! redacted) and per-endpoint counts. Bounded, so memory stays flat however long it runs.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use serde_json::{Value, json};

/// How many requests `/_emulator/requests` keeps.
const KEEP: usize = 10_000;

#[derive(Default)]
struct Inner {
    seq: u64,
    lines: VecDeque<String>,
    stats: HashMap<String, EndpointStats>,
}

#[derive(Default)]
struct EndpointStats {
    requests: u64,
    status: BTreeMap<u16, u64>,
    faults: BTreeMap<&'static str, u64>,
}

/// What `/_emulator/requests` and `/_emulator/stats` answer from; shared by all
/// connections.
#[derive(Default)]
pub(crate) struct RequestLog {
    inner: Mutex<Inner>,
}

impl RequestLog {
    /// Records one request; `entry` must already have its secrets redacted.
    pub(crate) fn record(
        &self,
        endpoint: &str,
        status: u16,
        fault: Option<&'static str>,
        mut entry: Value,
    ) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.seq += 1;
        let seq = inner.seq;
        if let Some(obj) = entry.as_object_mut() {
            obj.insert("seq".into(), json!(seq));
            obj.insert("endpoint".into(), json!(endpoint));
            obj.insert("status".into(), json!(status));
            obj.insert("fault".into(), json!(fault));
        }
        if inner.lines.len() == KEEP {
            inner.lines.pop_front();
        }
        inner.lines.push_back(entry.to_string());
        let stats = inner.stats.entry(endpoint.to_string()).or_default();
        stats.requests += 1;
        *stats.status.entry(status).or_default() += 1;
        if let Some(f) = fault {
            *stats.faults.entry(f).or_default() += 1;
        }
    }

    /// The kept requests as NDJSON, oldest first.
    pub(crate) fn ndjson(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for line in &inner.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// `{"endpoints":{"/v1.0/auditLogs/directoryAudits":{"requests":n,"status":{"200":n},"faults":{...}}}}`
    pub(crate) fn stats(&self) -> Value {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let endpoints: serde_json::Map<String, Value> = inner
            .stats
            .iter()
            .map(|(k, s)| {
                let status: serde_json::Map<String, Value> = s
                    .status
                    .iter()
                    .map(|(c, n)| (c.to_string(), json!(n)))
                    .collect();
                (
                    k.clone(),
                    json!({"requests": s.requests, "status": status, "faults": s.faults}),
                )
            })
            .collect();
        json!({"requests": inner.seq, "endpoints": endpoints})
    }
}
