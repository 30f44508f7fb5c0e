//! Generating a dataset's records deterministically from a seed: each record from its
//! own random stream, so any record can be generated alone, in any order.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::{AttrValue, Dataset, GenContext, Record, SignInType};
use super::{audit, legacy, provisioning, signin};
use crate::rng::Rng;
use crate::time::{TICKS_PER_SECOND, Ticks};

/// Generates record `index` of a dataset at time `ticks`. `version` 0 is the first
/// publication; 1 is a republished, enriched version of the same event (same id).
pub(crate) fn record(
    ctx: &GenContext,
    dataset: Dataset,
    index: u64,
    ticks: Ticks,
    version: u32,
) -> Record {
    let mut rng = Rng::for_item(ctx.seed, dataset.salt(), index);
    let (value, v1_value) = match dataset {
        Dataset::DirectoryAudits => (audit::directory_audit(&mut rng, ctx, ticks, version), None),
        Dataset::SignIns(kind) => {
            let beta = signin::sign_in(&mut rng, ctx, kind, ticks, version);
            let v1 = (kind == SignInType::InteractiveUser).then(|| signin::v1_view(&beta));
            (beta, v1)
        }
        Dataset::Provisioning => (provisioning::summary(&mut rng, ctx, ticks, version), None),
        Dataset::AuditEvents => (legacy::audit_event(&mut rng, ctx, ticks, version), None),
        Dataset::SigninEvents => (legacy::signin_event(&mut rng, ctx, ticks, version), None),
    };
    let attrs = dataset
        .eq_fields()
        .iter()
        .map(|path| attr_at(&value, path))
        .collect();
    let id: Arc<str> = value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .into();
    Record {
        ticks,
        id,
        version,
        body: Bytes::from(value.to_string()),
        v1_body: v1_value.map(|v| Bytes::from(v.to_string())),
        attrs,
    }
}

/// The value at a slash path, as an [`AttrValue`].
fn attr_at(value: &Value, path: &str) -> AttrValue {
    let mut at = value;
    for part in path.split('/') {
        match at.get(part) {
            Some(v) => at = v,
            None => return AttrValue::Null,
        }
    }
    match at {
        Value::String(s) => AttrValue::Str(s.clone()),
        Value::Number(n) => n.as_i64().map_or(AttrValue::Null, AttrValue::Int),
        Value::Bool(b) => AttrValue::Bool(*b),
        _ => AttrValue::Null,
    }
}

/// `n` event times spread over `days` before `anchor`, newest first, with a few exact
/// ties (real logs have them, and they are where paging and dedup bugs hide).
pub(crate) fn timeline(
    seed: u64,
    dataset: Dataset,
    n: usize,
    anchor: Ticks,
    days: u32,
) -> Vec<Ticks> {
    let span = i64::from(days.max(1)) * 86_400 * TICKS_PER_SECOND;
    let mut rng = Rng::for_item(seed, dataset.salt() ^ 0x7157, 0);
    let whole_seconds = dataset == Dataset::Provisioning;
    let mut times: Vec<Ticks> = Vec::with_capacity(n);
    for i in 0..n {
        let t = if i > 0 && rng.chance(0.01) {
            times[i - 1]
        } else {
            anchor - 1 - rng.below(span as u64) as i64
        };
        times.push(if whole_seconds {
            t - t.rem_euclid(TICKS_PER_SECOND)
        } else {
            t
        });
    }
    times.sort_unstable_by(|a, b| b.cmp(a));
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> GenContext {
        GenContext {
            seed: 1,
            tenant_id: "t".into(),
            domain: "contoso.onmicrosoft.com".into(),
        }
    }

    #[test]
    fn generation_is_deterministic() {
        for dataset in Dataset::ALL {
            let a = record(&ctx(), dataset, 5, 1_000_000_000, 0);
            let b = record(&ctx(), dataset, 5, 1_000_000_000, 0);
            assert_eq!(a.body, b.body, "{}", dataset.name());
            let json: Value = serde_json::from_slice(&a.body).unwrap();
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
            assert_ne!(a.body, b.body, "{}", dataset.name());
            let ta: Value = serde_json::from_slice(&a.body).unwrap();
            let tb: Value = serde_json::from_slice(&b.body).unwrap();
            assert_eq!(ta[dataset.time_field()], tb[dataset.time_field()]);
        }
    }

    #[test]
    fn timeline_is_newest_first_and_inside_the_window() {
        let anchor = 17_000_000_000_000_000;
        let times = timeline(3, Dataset::DirectoryAudits, 500, anchor, 2);
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
        let v1: Value = serde_json::from_slice(r.body_for(true)).unwrap();
        let beta: Value = serde_json::from_slice(r.body_for(false)).unwrap();
        assert!(v1.get("signInEventTypes").is_none());
        assert_eq!(beta["signInEventTypes"][0], "interactiveUser");
    }
}
