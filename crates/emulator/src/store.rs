//! The records of each dataset, newest first, with live-mode publication.
//!
//! A dataset is generated on first use (most runs touch one or two reports). Records
//! are kept in a `BTreeMap` ordered by (time descending, id), which gives the service's
//! newest-first order, range seeks for time filters, and stable cursors for paging even
//! while live mode inserts late events into the past.
//!
//! Live mode is computed lazily from the clock on each access: event k of a dataset is
//! created at `start + k / rate`, becomes visible after its random delay, and a fraction
//! is republished (same id and time, more content) after a second delay. Every version
//! that has become visible is also appended to the dataset's truth list.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, OnceLock, RwLock};

use bytes::Bytes;

use crate::data::generate;
use crate::data::{Dataset, GenContext, Key, Record};
use crate::odata::filter::Filter;
use crate::rng::Rng;
use crate::time::{TICKS_PER_SECOND, Ticks};

/// `--live`, `--max-delay`, `--republish-fraction`.
#[derive(Debug, Clone)]
pub(crate) struct LiveSettings {
    /// Events per second per dataset.
    pub rate: f64,
    /// Largest publication delay, in ticks.
    pub max_delay: Ticks,
    /// Fraction of events republished.
    pub republish_fraction: f64,
    /// When live mode started, in ticks.
    pub start: Ticks,
}

/// How a store is filled: `--records` over `--days` ending at `--now`, then live mode.
#[derive(Debug, Clone)]
pub(crate) struct StoreSettings {
    pub context: GenContext,
    /// Records per dataset at start.
    pub records: usize,
    pub days: u32,
    /// The newest possible time of a record made at start.
    pub anchor: Ticks,
    pub live: Option<LiveSettings>,
}

/// A pending live publication: (visible at, event index, version, created at).
type Pending = Reverse<(Ticks, u64, u32, Ticks)>;

/// One dataset's records.
struct Table {
    rows: BTreeMap<Key, Arc<Record>>,
    /// Every visible version, in the order they became visible.
    truth: Vec<Bytes>,
    /// Live mode: next event index to create, and publications not yet visible.
    next_event: u64,
    pending: BinaryHeap<Pending>,
}

/// The records of every dataset, shared by all connections.
pub(crate) struct Store {
    settings: StoreSettings,
    tables: HashMap<Dataset, OnceLock<RwLock<Table>>>,
    /// Top-level property names per dataset (for `$filter` error messages).
    properties: HashMap<Dataset, OnceLock<Vec<String>>>,
}

/// One page of records.
pub(crate) struct Page {
    /// The records, rendered for the requested API version.
    pub records: Vec<Bytes>,
    /// Key of the last record, for the next skiptoken.
    pub last: Option<Key>,
    /// Whether more matching records follow.
    pub more: bool,
}

impl Store {
    /// An empty store; datasets are generated on first use.
    pub(crate) fn new(settings: StoreSettings) -> Store {
        Store {
            settings,
            tables: Dataset::ALL
                .into_iter()
                .map(|d| (d, OnceLock::new()))
                .collect(),
            properties: Dataset::ALL
                .into_iter()
                .map(|d| (d, OnceLock::new()))
                .collect(),
        }
    }

    fn table(&self, dataset: Dataset) -> &RwLock<Table> {
        // Every dataset has an entry; the map is built from Dataset::ALL.
        self.tables[&dataset].get_or_init(|| RwLock::new(self.generate(dataset)))
    }

    fn generate(&self, dataset: Dataset) -> Table {
        let s = &self.settings;
        let times = generate::timeline(s.context.seed, dataset, s.records, s.anchor, s.days);
        let mut rows = BTreeMap::new();
        let mut truth = Vec::with_capacity(times.len());
        for (index, ticks) in times.into_iter().enumerate() {
            let record = generate::record(&s.context, dataset, index as u64, ticks, 0);
            truth.push(record.body.clone());
            rows.insert(record.key(), Arc::new(record));
        }
        Table {
            rows,
            truth,
            next_event: 0,
            pending: BinaryHeap::new(),
        }
    }

    /// Top-level property names of the dataset's entity.
    pub(crate) fn properties(&self, dataset: Dataset) -> &[String] {
        self.properties[&dataset].get_or_init(|| {
            let sample = generate::record(&self.settings.context, dataset, 0, 0, 0);
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&sample.body)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// Makes live events due by `now` visible.
    pub(crate) fn advance(&self, dataset: Dataset, now: Ticks) {
        let Some(live) = &self.settings.live else {
            return;
        };
        let lock = self.table(dataset);
        let mut table = lock.write().unwrap_or_else(|e| e.into_inner());
        let interval = (TICKS_PER_SECOND as f64 / live.rate.max(1e-9)).max(1.0);
        let due = if now < live.start {
            0
        } else {
            ((now - live.start) as f64 / interval).floor() as u64 + 1
        };
        let ctx = &self.settings.context;
        while table.next_event < due {
            let k = table.next_event;
            table.next_event += 1;
            let created = live.start + (k as f64 * interval) as Ticks;
            let mut rng = Rng::for_item(ctx.seed, 0x11fe ^ dataset.name().len() as u64, k);
            let delay = (rng.unit() * live.max_delay as f64) as Ticks;
            let index = self.settings.records as u64 + k;
            table
                .pending
                .push(Reverse((created + delay, index, 0, created)));
            if rng.chance(live.republish_fraction) {
                let later = (rng.unit() * live.max_delay as f64) as Ticks + 1;
                table
                    .pending
                    .push(Reverse((created + delay + later, index, 1, created)));
            }
        }
        while let Some(Reverse((visible, index, version, created))) = table.pending.peek().copied()
        {
            if visible > now {
                break;
            }
            table.pending.pop();
            let record = generate::record(ctx, dataset, index, created, version);
            table.truth.push(record.body.clone());
            table.rows.insert(record.key(), Arc::new(record));
        }
    }

    /// Every visible version of every record, as NDJSON.
    pub(crate) fn truth(&self, dataset: Dataset) -> Vec<u8> {
        let table = self
            .table(dataset)
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::with_capacity(table.truth.iter().map(|b| b.len() + 1).sum());
        for body in &table.truth {
            out.extend_from_slice(body);
            out.push(b'\n');
        }
        out
    }

    /// Up to `top` records after `after` that pass `filter`, newest first.
    pub(crate) fn page(
        &self,
        dataset: Dataset,
        filter: &Filter,
        after: Option<&Key>,
        top: usize,
        v1: bool,
    ) -> Page {
        let table = self
            .table(dataset)
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut records = Vec::with_capacity(top.min(1024));
        let mut last = None;
        let mut more = false;
        if filter.is_empty_window() {
            return Page {
                records,
                last,
                more,
            };
        }
        let from_upper: Bound<Key> = match filter.upper {
            Some(upper) => Bound::Included((Reverse(upper), Arc::from(""), 0)),
            None => Bound::Unbounded,
        };
        let start = match (after, from_upper) {
            (Some(cursor), Bound::Included(upper)) if upper > *cursor => Bound::Included(upper),
            (Some(cursor), _) => Bound::Excluded(cursor.clone()),
            (None, bound) => bound,
        };
        for (key, record) in table.rows.range((start, Bound::Unbounded)) {
            if filter.lower.is_some_and(|lower| record.ticks < lower) {
                break;
            }
            if !filter.matches(dataset, record) {
                continue;
            }
            if records.len() == top {
                more = true;
                break;
            }
            records.push(record.body_for(v1).clone());
            last = Some(key.clone());
        }
        Page {
            records,
            last,
            more,
        }
    }

    /// Every record of a dataset, newest first, without storing them (for `--dump`).
    pub(crate) fn dump(
        settings: &StoreSettings,
        dataset: Dataset,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let times = generate::timeline(
            settings.context.seed,
            dataset,
            settings.records,
            settings.anchor,
            settings.days,
        );
        // Records with the same time are listed by id, as the service lists them
        // (the dump has first versions only).
        let mut tied: Vec<Record> = Vec::new();
        for (index, ticks) in times.into_iter().enumerate() {
            let record = generate::record(&settings.context, dataset, index as u64, ticks, 0);
            if tied.first().is_some_and(|t| t.ticks != record.ticks) {
                tied.sort_by(|a, b| a.id.cmp(&b.id));
                for t in tied.drain(..) {
                    out(&t.body)?;
                }
            }
            tied.push(record);
        }
        tied.sort_by(|a, b| a.id.cmp(&b.id));
        for t in tied {
            out(&t.body)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SignInType;

    fn settings(records: usize) -> StoreSettings {
        StoreSettings {
            context: GenContext {
                seed: 1,
                tenant_id: "t".into(),
                domain: "c.example".into(),
            },
            records,
            days: 1,
            anchor: 17_000_000_000_000_000,
            live: None,
        }
    }

    fn drain(store: &Store, dataset: Dataset, filter: &Filter, top: usize) -> Vec<Bytes> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = store.page(dataset, filter, after.as_ref(), top, false);
            all.extend(page.records);
            if !page.more {
                return all;
            }
            after = page.last;
        }
    }

    #[test]
    fn paging_returns_every_record_once_newest_first() {
        let store = Store::new(settings(503));
        for top in [1, 7, 100, 1000] {
            let all = drain(&store, Dataset::DirectoryAudits, &Filter::default(), top);
            assert_eq!(all.len(), 503, "top {top}");
            let mut ids: Vec<_> = all
                .iter()
                .map(|b| {
                    serde_json::from_slice::<serde_json::Value>(b).unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 503);
        }
    }

    #[test]
    fn live_events_appear_late_with_their_own_time() {
        let mut s = settings(0);
        s.live = Some(LiveSettings {
            rate: 10.0,
            max_delay: 5 * TICKS_PER_SECOND,
            republish_fraction: 0.5,
            start: 0,
        });
        let store = Store::new(s);
        let dataset = Dataset::SignIns(SignInType::InteractiveUser);
        store.advance(dataset, 2 * TICKS_PER_SECOND);
        let early = store.truth(dataset).iter().filter(|&&b| b == b'\n').count();
        store.advance(dataset, 20 * TICKS_PER_SECOND);
        let later = store.truth(dataset).iter().filter(|&&b| b == b'\n').count();
        assert!(early < 21, "at most the events created by t=2s: {early}");
        assert!(later > 200, "201 events plus republications: {later}");
        let truth = store.truth(dataset);
        let mut ids: Vec<String> = truth
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                serde_json::from_slice::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        ids.sort();
        ids.dedup();
        let rows = drain(&store, dataset, &Filter::default(), 1000).len();
        assert_eq!(rows, later, "every visible version is listed");
        assert!(later > ids.len(), "some events were republished");
    }
}
