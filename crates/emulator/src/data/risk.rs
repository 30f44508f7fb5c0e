//! Identity Protection's view of a sign-in: risk levels, state, detail and detections,
//! as a P2 tenant sees them, `hidden` for a tenant without P2 (`--no-p2`).

use serde_json::{Value, json};

use crate::rng::Rng;

/// The risk properties of one sign-in.
pub(super) struct Risk {
    pub detail: &'static str,
    pub aggregated: &'static str,
    pub during: &'static str,
    pub state: &'static str,
    /// Detections; members of v1.0's `riskEventType` enum, so both lists can hold them.
    pub event_types: Vec<&'static str>,
}

/// Detections the generator uses (in v1.0's enum and among `riskEventTypes_v2`'s
/// documented strings).
const DETECTIONS: &[&str] = &[
    "unfamiliarFeatures",
    "anonymizedIPAddress",
    "unlikelyTravel",
    "maliciousIPAddress",
    "leakedCredentials",
];

/// The risk of a sign-in: most carry none; some are at risk with detections, some were
/// remediated, dismissed or confirmed safe (a few with the newer, evolvable `riskDetail`
/// members). Workload sign-ins carry none; without P2 everything is `hidden`.
pub(super) fn draw(rng: &mut Rng, hidden: bool, user_kind: bool) -> Risk {
    let roll = rng.unit();
    let level = *rng.pick(&["low", "medium", "high"]);
    let detection = *rng.pick(DETECTIONS);
    let second = *rng.pick(DETECTIONS);
    if hidden {
        return Risk {
            detail: "hidden",
            aggregated: "hidden",
            during: "hidden",
            state: "none",
            event_types: Vec::new(),
        };
    }
    let none = Risk {
        detail: "none",
        aggregated: "none",
        during: "none",
        state: "none",
        event_types: Vec::new(),
    };
    if !user_kind {
        return none;
    }
    let mut detections = vec![detection];
    if second != detection && roll < 0.04 {
        detections.push(second);
    }
    match roll {
        r if r < 0.06 => Risk {
            detail: "none",
            aggregated: if level == "low" { "medium" } else { level },
            during: if level == "low" { "medium" } else { level },
            state: "atRisk",
            event_types: detections,
        },
        r if r < 0.08 => Risk {
            detail: "userPerformedSecuredPasswordChange",
            aggregated: "low",
            during: level,
            state: "remediated",
            event_types: detections,
        },
        r if r < 0.10 => Risk {
            detail: if r < 0.09 {
                "adminDismissedAllRiskForUser"
            } else {
                "adminDismissedRiskForSignIn"
            },
            aggregated: "none",
            during: level,
            state: "dismissed",
            event_types: detections,
        },
        r if r < 0.11 => Risk {
            detail: if r < 0.105 {
                "adminConfirmedSigninSafe"
            } else {
                "userChangedPasswordOnPremises"
            },
            aggregated: "none",
            during: "low",
            state: "confirmedSafe",
            event_types: detections,
        },
        _ => none,
    }
}

/// The republished row of a sign-in: its risk detection arrived after the first
/// publication (or, without P2, the MFA result aggregated into it later).
pub(super) fn detected(record: &mut Value) {
    if record["riskDetail"] == "hidden" {
        record["status"]["additionalDetails"] = json!("MFA completed in Azure AD");
        return;
    }
    for list in ["riskEventTypes", "riskEventTypes_v2"] {
        if let Some(items) = record[list].as_array_mut()
            && !items.iter().any(|i| i == "unfamiliarFeatures")
        {
            items.push(json!("unfamiliarFeatures"));
        }
    }
    for level in ["riskLevelAggregated", "riskLevelDuringSignIn"] {
        if matches!(record[level].as_str(), Some("none" | "low")) {
            record[level] = json!("medium");
        }
    }
    record["riskState"] = json!("atRisk");
}
