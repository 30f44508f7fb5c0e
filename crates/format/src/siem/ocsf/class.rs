//! The OCSF classes the mappings use, with their activity captions, and enum values
//! with their labels: the caption, or for 99 (Other) the source value, as OCSF's sibling
//! rule asks (`check_ocsf.py` enforces it; the OCSF server only warns).

use crate::siem::out::Writer;

/// An OCSF class: its id, name, category and activity captions.
pub(crate) struct Class {
    pub(crate) uid: i64,
    pub(crate) name: &'static str,
    pub(crate) category_uid: i64,
    pub(crate) category_name: &'static str,
    activities: &'static [(i64, &'static str)],
}

const IAM: &str = "Identity & Access Management";

pub(crate) const ACCOUNT_CHANGE: Class = Class {
    uid: 3001,
    name: "Account Change",
    category_uid: 3,
    category_name: IAM,
    activities: &[
        (1, "Create"),
        (2, "Enable"),
        (3, "Password Change"),
        (4, "Password Reset"),
        (5, "Disable"),
        (6, "Delete"),
        (10, "MFA Factor Enable"),
        (11, "MFA Factor Disable"),
    ],
};

pub(crate) const AUTHENTICATION: Class = Class {
    uid: 3002,
    name: "Authentication",
    category_uid: 3,
    category_name: IAM,
    activities: &[(1, "Logon")],
};

pub(crate) const ENTITY_MANAGEMENT: Class = Class {
    uid: 3004,
    name: "Entity Management",
    category_uid: 3,
    category_name: IAM,
    activities: &[(1, "Create"), (3, "Update"), (4, "Delete"), (9, "Disable")],
};

pub(crate) const USER_ACCESS: Class = Class {
    uid: 3005,
    name: "User Access Management",
    category_uid: 3,
    category_name: IAM,
    activities: &[(1, "Assign Privileges"), (2, "Revoke Privileges")],
};

pub(crate) const GROUP_MANAGEMENT: Class = Class {
    uid: 3006,
    name: "Group Management",
    category_uid: 3,
    category_name: IAM,
    activities: &[
        (1, "Assign Privileges"),
        (2, "Revoke Privileges"),
        (3, "Add User"),
        (4, "Remove User"),
        (5, "Delete"),
        (6, "Create"),
        (7, "Add Subgroup"),
        (8, "Remove Subgroup"),
    ],
};

pub(crate) const API_ACTIVITY: Class = Class {
    uid: 6003,
    name: "API Activity",
    category_uid: 6,
    category_name: "Application Activity",
    activities: &[(1, "Create"), (3, "Update"), (4, "Delete")],
};

/// An enum value and its label: the caption, or for 99 (Other) the source value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Enum<'t> {
    pub(crate) id: i64,
    pub(crate) label: &'t str,
}

impl<'t> Enum<'t> {
    /// A known value with its caption.
    pub(crate) const fn known(id: i64, caption: &'t str) -> Enum<'t> {
        Enum { id, label: caption }
    }

    /// 99 with the source value, or 0 `Unknown` when there is none to show.
    pub(crate) fn other(raw: Option<&'t str>) -> Enum<'t> {
        match raw {
            Some(raw) => Enum { id: 99, label: raw },
            None => Enum::known(0, "Unknown"),
        }
    }
}

/// An activity of `class` by id (its caption), or `Other`/`Unknown` from `raw`.
pub(crate) fn activity<'t>(class: &Class, id: Option<i64>, raw: Option<&'t str>) -> Enum<'t> {
    id.and_then(|id| class.activities.iter().find(|(known, _)| *known == id))
        .map_or_else(
            || Enum::other(raw),
            |(id, caption)| Enum::known(*id, caption),
        )
}

/// An activity of `class` chosen by a source value (`ids`, compared ignoring case), or
/// `Other` with the value.
pub(crate) fn activity_by<'t>(
    class: &Class,
    value: Option<&'t str>,
    ids: &[(&str, i64)],
) -> Enum<'t> {
    let id = ids
        .iter()
        .find(|(name, _)| value.is_some_and(|v| v.eq_ignore_ascii_case(name)))
        .map(|(_, id)| *id);
    activity(class, id, value)
}

/// `status_id` from a result word: success 1, failure 2, another word 99, none 0.
pub(crate) fn status_of(result: Option<&str>) -> Enum<'_> {
    match result {
        Some(r) if r.eq_ignore_ascii_case("success") => Enum::known(1, "Success"),
        Some(r) if r.eq_ignore_ascii_case("failure") => Enum::known(2, "Failure"),
        other => Enum::other(other),
    }
}

/// `id_key: id, label_key: label`.
pub(crate) fn enumerated(
    w: &mut Writer<'_>,
    id_key: &'static str,
    label_key: &'static str,
    value: Enum<'_>,
) {
    w.int(id_key, value.id);
    w.str(label_key, Some(value.label));
}
