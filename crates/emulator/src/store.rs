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

use crate::data::{Dataset, GenContext, Key, Record, View, generate, views};
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

/// How long the service keeps sign-ins and audit logs with Entra ID P1/P2.
pub(crate) const RETENTION_DAYS: u32 = 30;

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

impl StoreSettings {
    /// The oldest time a filter may name: [`RETENTION_DAYS`] before `--now`.
    pub(crate) fn oldest(&self) -> Ticks {
        self.anchor - i64::from(RETENTION_DAYS) * 86_400 * TICKS_PER_SECOND
    }
}

/// A pending live publication: (visible at, event index, version, created at).
type Pending = Reverse<(Ticks, u64, u32, Ticks)>;

/// One dataset's records.
struct Table {
    rows: BTreeMap<Key, Arc<Record>>,
    /// Every visible version, in the order they became visible.
    truth: Vec<Arc<Record>>,
    /// Live mode: next event index to create, and publications not yet visible.
    next_event: u64,
    pending: BinaryHeap<Pending>,
}

/// The records of every dataset, shared by all connections.
pub(crate) struct Store {
    settings: StoreSettings,
    tables: HashMap<Dataset, OnceLock<RwLock<Table>>>,
}

/// What a page asks of the store.
#[derive(Clone, Copy)]
pub(crate) struct PageQuery<'a> {
    pub filter: &'a Filter,
    /// Key of the last record of the previous page.
    pub after: Option<&'a Key>,
    pub top: usize,
    pub view: View,
    /// The caller may read conditional-access policies.
    pub policies: bool,
}

/// A sign-in without its conditional-access policies.
fn without_policies(body: &Bytes) -> Bytes {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(record) => Bytes::from(views::without_policies(&record).to_string()),
        Err(_) => body.clone(),
    }
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
        }
    }

    pub(crate) fn settings(&self) -> &StoreSettings {
        &self.settings
    }

    /// The top-level properties of the dataset's records as `view` renders them (for
    /// `$select`).
    pub(crate) fn properties(&self, dataset: Dataset, view: View) -> Vec<String> {
        let sample = generate::record(&self.settings.context, dataset, 0, self.settings.anchor, 0);
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(sample.body(view))
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn table(&self, dataset: Dataset) -> &RwLock<Table> {
        // Every dataset has an entry; the map is built from Dataset::ALL.
        self.tables[&dataset].get_or_init(|| RwLock::new(self.generate(dataset)))
    }

    fn generate(&self, dataset: Dataset) -> Table {
        let s = &self.settings;
        let planned = generate::rows(s.context.seed, dataset, s.records, s.anchor, s.days);
        let mut rows = BTreeMap::new();
        let mut truth = Vec::with_capacity(planned.len());
        for (index, ticks, version) in planned {
            let record = Arc::new(generate::record(&s.context, dataset, index, ticks, version));
            truth.push(record.clone());
            rows.insert(record.key(), record);
        }
        Table {
            rows,
            truth,
            next_event: 0,
            pending: BinaryHeap::new(),
        }
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
            let record = Arc::new(generate::record(ctx, dataset, index, created, version));
            table.truth.push(record.clone());
            table.rows.insert(record.key(), record);
        }
    }

    /// Every visible version of every record, as NDJSON, rendered for `view`.
    pub(crate) fn truth(&self, dataset: Dataset, view: View) -> Vec<u8> {
        let table = self
            .table(dataset)
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for record in &table.truth {
            out.extend_from_slice(record.body(view));
            out.push(b'\n');
        }
        out
    }

    /// Up to `top` records of `datasets` (merged newest first) after `after` that pass
    /// `filter`, rendered for `view`; without `policies` (a caller that may not read
    /// conditional-access data) sign-ins leave `appliedConditionalAccessPolicies` out.
    pub(crate) fn page(&self, datasets: &[Dataset], query: &PageQuery<'_>) -> Page {
        let PageQuery {
            filter,
            after,
            top,
            view,
            policies,
        } = *query;
        let mut page = Page {
            records: Vec::with_capacity(top.min(1024)),
            last: None,
            more: false,
        };
        if filter.is_empty_window() {
            return page;
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
        let guards: Vec<_> = datasets
            .iter()
            .map(|d| self.table(*d).read().unwrap_or_else(|e| e.into_inner()))
            .collect();
        let mut ranges: Vec<_> = guards
            .iter()
            .map(|t| t.rows.range((start.clone(), Bound::Unbounded)).peekable())
            .collect();
        loop {
            // The newest next record of the merged datasets.
            let mut newest: Option<(usize, &Key)> = None;
            for (i, range) in ranges.iter_mut().enumerate() {
                if let Some((key, _)) = range.peek()
                    && newest.is_none_or(|(_, best)| *key < best)
                {
                    newest = Some((i, *key));
                }
            }
            let Some((which, _)) = newest else {
                break;
            };
            let Some((key, record)) = ranges[which].next() else {
                break;
            };
            if filter.lower.is_some_and(|lower| record.ticks < lower) {
                break;
            }
            let body = record.body(view);
            if !filter.matches(record, body) {
                continue;
            }
            if page.records.len() == top {
                page.more = true;
                break;
            }
            page.records.push(
                if policies || !matches!(record.dataset, Dataset::SignIns(_)) {
                    body.clone()
                } else {
                    without_policies(body)
                },
            );
            page.last = Some(key.clone());
        }
        page
    }

    /// Every record of a dataset, newest first, without storing them (for `--dump`).
    pub(crate) fn dump(
        settings: &StoreSettings,
        dataset: Dataset,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let rows = generate::rows(
            settings.context.seed,
            dataset,
            settings.records,
            settings.anchor,
            settings.days,
        );
        let view = View::default_for(dataset);
        // Records with the same time are listed by id and version, as the service
        // lists them.
        let mut tied: Vec<Record> = Vec::new();
        for (index, ticks, version) in rows {
            let record = generate::record(&settings.context, dataset, index, ticks, version);
            if tied.first().is_some_and(|t| t.ticks != record.ticks) {
                tied.sort_by_key(Record::key);
                for t in tied.drain(..) {
                    out(t.body(view))?;
                }
            }
            tied.push(record);
        }
        tied.sort_by_key(Record::key);
        for t in tied {
            out(t.body(view))?;
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
            context: GenContext::new(1, "t", "c.example", false),
            records,
            days: 1,
            anchor: 17_000_000_000_000_000,
            live: None,
        }
    }

    const VIEW: View = View {
        v1: false,
        prefer: true,
    };

    fn drain(store: &Store, dataset: Dataset, filter: &Filter, top: usize) -> Vec<Bytes> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let query = PageQuery {
                filter,
                after: after.as_ref(),
                top,
                view: VIEW,
                policies: true,
            };
            let page = store.page(&[dataset], &query);
            all.extend(page.records);
            if !page.more {
                return all;
            }
            after = page.last;
        }
    }

    fn id_of(body: &[u8]) -> String {
        serde_json::from_slice::<serde_json::Value>(body).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn paging_returns_every_record_once_newest_first() {
        let store = Store::new(settings(503));
        let everything = Filter::everything(Dataset::DirectoryAudits);
        for top in [1, 7, 100, 1000] {
            let all = drain(&store, Dataset::DirectoryAudits, &everything, top);
            assert_eq!(all.len(), 503, "top {top}");
            let mut ids: Vec<_> = all.iter().map(|b| id_of(b)).collect();
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
        let count = |store: &Store| {
            store
                .truth(dataset, VIEW)
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
        };
        store.advance(dataset, 2 * TICKS_PER_SECOND);
        let early = count(&store);
        store.advance(dataset, 20 * TICKS_PER_SECOND);
        let later = count(&store);
        assert!(early < 21, "at most the events created by t=2s: {early}");
        assert!(later > 200, "201 events plus republications: {later}");
        let truth = store.truth(dataset, VIEW);
        let mut ids: Vec<String> = truth
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(id_of)
            .collect();
        ids.sort();
        ids.dedup();
        let rows = drain(&store, dataset, &Filter::everything(dataset), 1000).len();
        assert_eq!(rows, later, "every visible version is listed");
        assert!(later > ids.len(), "some events were republished");
    }
}
