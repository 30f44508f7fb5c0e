//! Generating a dataset's records deterministically from a seed: each record from its
//! own random stream, so any record can be generated alone, in any order.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::views;
use super::{Bodies, Dataset, GenContext, Record};
use super::{audit, legacy, provisioning, signin};
use crate::rng::Rng;
use crate::time::{TICKS_PER_SECOND, Ticks};

/// Generates record `index` of a dataset at time `ticks`. `version` 0 is the first
/// publication; 1 is a republished, enriched version of the same event (same id); 2
/// and 3 are the two rows of a sign-in the service lists split.
pub(crate) fn record(
    ctx: &GenContext,
    dataset: Dataset,
    index: u64,
    ticks: Ticks,
    version: u32,
) -> Record {
    let mut rng = Rng::for_item(ctx.seed, dataset.salt(), index);
    let ticks = dataset.at(ticks);
    let full = match dataset {
        Dataset::DirectoryAudits => audit::directory_audit(&mut rng, ctx, ticks, version),
        Dataset::SignIns(kind) => signin::sign_in(&mut rng, ctx, kind, ticks, version),
        Dataset::Provisioning => provisioning::summary(&mut rng, ctx, ticks, version),
        Dataset::AuditEvents => legacy::audit_event(&mut rng, ctx, ticks, version),
        Dataset::SigninEvents => legacy::signin_event(&mut rng, ctx, ticks, version),
    };
    let id: Arc<str> = full
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .into();
    Record {
        ticks,
        id,
        version,
        dataset,
        bodies: render(dataset, &full),
    }
}

/// The renderings of a record that differ from its beta form.
fn render(dataset: Dataset, full: &Value) -> Bodies {
    let bytes = |v: &Value| Bytes::from(v.to_string());
    let beta = views::for_version(dataset, full, false);
    let beta_plain = views::without_evolvable(dataset, &beta, false);
    let separate_v1 = matches!(dataset, Dataset::SignIns(_) | Dataset::DirectoryAudits);
    let (v1, v1_plain) = if separate_v1 {
        let v1 = views::for_version(dataset, full, true);
        let plain = views::without_evolvable(dataset, &v1, true);
        (Some(bytes(&v1)), plain.as_ref().map(bytes))
    } else {
        (None, None)
    };
    Bodies {
        beta: bytes(&beta),
        beta_plain: beta_plain.as_ref().map(bytes),
        v1,
        v1_plain,
    }
}

/// One listed row: (event index, time, version).
pub(crate) type Row = (u64, Ticks, u32);

/// The `n` rows a dataset starts with, newest first: events spread over `days` before
/// `anchor`, a few at exactly the same time (real logs have ties, and they are where
/// paging and dedup bugs hide). Sign-ins also list some events twice, as the service
/// does: split into two rows of the same id and time (one conditional-access
/// evaluation each), or republished with the risk detected later.
pub(crate) fn rows(seed: u64, dataset: Dataset, n: usize, anchor: Ticks, days: u32) -> Vec<Row> {
    let span = i64::from(days.max(1)) * 86_400 * TICKS_PER_SECOND;
    let mut rng = Rng::for_item(seed, dataset.salt() ^ 0x7157, 0);
    let duplicates = matches!(dataset, Dataset::SignIns(_));
    let mut rows: Vec<Row> = Vec::with_capacity(n);
    let mut index = 0u64;
    while rows.len() < n {
        let t = match rows.last() {
            Some(&(_, previous, _)) if rng.chance(0.01) => previous,
            _ => dataset.at(anchor - 1 - rng.below(span as u64) as i64),
        };
        let roll = if duplicates { rng.unit() } else { 1.0 };
        if roll < 0.03 {
            // Listed split: one row per conditional-access evaluation.
            rows.extend([(index, t, 2), (index, t, 3)]);
        } else {
            rows.push((index, t, 0));
            if roll < 0.06 {
                rows.push((index, t, 1));
            }
        }
        index += 1;
    }
    rows.truncate(n);
    rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.1));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SignInType;

    fn ctx() -> GenContext {
        GenContext::new(1, "t", "contoso.onmicrosoft.com", false)
    }

    #[test]
    fn generation_is_deterministic() {
        for dataset in Dataset::ALL {
            let a = record(&ctx(), dataset, 5, 1_000_000_000, 0);
            let b = record(&ctx(), dataset, 5, 1_000_000_000, 0);
            assert_eq!(a.bodies.beta, b.bodies.beta, "{}", dataset.name());
            let json: Value = serde_json::from_slice(&a.bodies.beta).unwrap();
            assert!(
                json.get(dataset.time_field()).is_some(),
                "{}",
                dataset.name()
            );
            assert!(!a.id.is_empty());
        }
    }

    #[test]
    fn republished_version_keeps_id_and_time_but_differs() {
        for dataset in Dataset::ALL {
            let a = record(&ctx(), dataset, 9, 1_000_000_000, 0);
            let b = record(&ctx(), dataset, 9, 1_000_000_000, 1);
            assert_eq!(a.id, b.id);
            assert_ne!(a.bodies.beta, b.bodies.beta, "{}", dataset.name());
            let ta: Value = serde_json::from_slice(&a.bodies.beta).unwrap();
            let tb: Value = serde_json::from_slice(&b.bodies.beta).unwrap();
            assert_eq!(ta[dataset.time_field()], tb[dataset.time_field()]);
        }
    }

    #[test]
    fn timeline_is_newest_first_and_inside_the_window() {
        let anchor = 17_000_000_000_000_000;
        let rows = rows(3, Dataset::DirectoryAudits, 500, anchor, 2);
        let times: Vec<Ticks> = rows.iter().map(|r| r.1).collect();
        assert_eq!(times.len(), 500);
        assert!(times.windows(2).all(|w| w[0] >= w[1]));
        assert!(
            times
                .iter()
                .all(|&t| t < anchor && t >= anchor - 2 * 86_400 * TICKS_PER_SECOND)
        );
        assert!(
            times.windows(2).any(|w| w[0] == w[1]),
            "expected a few ties"
        );
    }

    #[test]
    fn sign_in_v1_view_drops_beta_fields() {
        let r = record(
            &ctx(),
            Dataset::SignIns(SignInType::InteractiveUser),
            1,
            1_000_000_000,
            0,
        );
        let view = |v1| super::super::View { v1, prefer: true };
        let v1: Value = serde_json::from_slice(r.body(view(true))).unwrap();
        let beta: Value = serde_json::from_slice(r.body(view(false))).unwrap();
        assert!(v1.get("signInEventTypes").is_none());
        assert!(v1.get("riskEventTypes").is_some());
        assert_eq!(beta["signInEventTypes"][0], "interactiveUser");
        assert!(beta.get("riskEventTypes").is_none());
    }
}
