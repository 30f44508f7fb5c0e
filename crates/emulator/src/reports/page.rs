//! Step 3 of a listing: the records of the page the cursor points at, and the cursor of
//! the next page. With `--empty-pages`, every third page of a chain is empty and the
//! chain ends with an empty page, as the service sometimes answers.

use bytes::Bytes;

use super::validate::ValidQuery;
use crate::odata::Cursor;
use crate::store::{PageQuery, Store};
use crate::time::now_ticks;

/// One page of a listing.
pub(crate) struct Page {
    /// The records, rendered for the API version, newest first.
    pub records: Vec<Bytes>,
    /// `None` on the last page.
    pub next: Option<Cursor>,
}

/// Publishes the live events due by now, then reads the page.
pub(crate) fn select(store: &Store, query: &ValidQuery<'_>, empty_pages: bool) -> Page {
    let cursor = &query.cursor;
    for dataset in &query.datasets {
        store.advance(*dataset, now_ticks());
    }
    if cursor.final_empty {
        return Page {
            records: Vec::new(),
            next: None,
        };
    }
    if empty_pages && cursor.page % 3 == 2 {
        // An empty page in the middle of the chain: nothing, and a link onwards.
        return Page {
            records: Vec::new(),
            next: Some(Cursor {
                after: cursor.after.clone(),
                page: cursor.page.saturating_add(1),
                final_empty: false,
            }),
        };
    }
    let page = store.page(
        &query.datasets,
        &PageQuery {
            filter: &query.filter,
            after: cursor.after.as_ref(),
            top: query.top,
            view: query.view,
            policies: query.policies,
        },
    );
    let next = if page.more {
        Some(Cursor {
            after: page.last.clone(),
            page: cursor.page.saturating_add(1),
            final_empty: false,
        })
    } else if empty_pages {
        Some(Cursor {
            after: page.last.clone().or(cursor.after.clone()),
            page: cursor.page.saturating_add(1),
            final_empty: true,
        })
    } else {
        None
    };
    Page {
        records: page.records,
        next,
    }
}
