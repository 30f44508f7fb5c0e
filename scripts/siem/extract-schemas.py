#!/usr/bin/env python3
"""Write the compact ECS 8.11.0 and OCSF 1.8.0 field lists the SIEM tests read.

Usage:
    extract-schemas.py ECS_FLAT_YML OCSF_COMPILED_JSON [--ocsf-source DIR] [--out DIR]

ECS_FLAT_YML        generated/ecs/ecs_flat.yml of elastic/ecs at tag v8.11.0
OCSF_COMPILED_JSON  ocsf/ocsf-schema at tag 1.8.0 compiled with `python -m ocsf.compile`
                    (ocsf-lib 0.10.4)
--ocsf-source DIR   the ocsf-schema 1.8.0 source tree; when given, the corrections below
                    are recomputed from it and the run fails if they differ from the table
--out DIR           where to write (default: tests/fixtures/siem next to this script's repo)

Writes ecs-8.11.0-fields.json and ocsf-1.8.0-subset.json. Both are deterministic (sorted
keys, no timestamps), so a re-run on the same inputs changes nothing.

Why corrections: ocsf-lib 0.10.4 compiles two things wrongly, and the validators would
inherit the errors.
1. Objects that extend `_entity` (directly or through a parent) get `_entity`'s
   `at_least_one: [name, uid]` even when their own file declares another constraint
   (`user` has [account, name, uid], `network_endpoint` lists ip, hostname, svc_name ...).
   Rule applied: an object's own `constraints` (even `{}`) wins; without one it inherits
   its parent's, following `extends`.
2. A class attribute that the class file marks `"profile": null` (it belongs to the class
   itself, not to a profile) keeps the profile of the profile that also defines it:
   `actor` in every IAM class and `actor`/`api` in API Activity come out as profile
   attributes of `host`/`cloud`, which would make them illegal without that profile.

Needs PyYAML only for reading the ECS file (`python3 -c 'import yaml'`).
"""

import argparse
import hashlib
import json
import os
import sys

ECS_VERSION = "8.11.0"
OCSF_VERSION = "1.8.0"
# The classes aad-format maps to: Account Change, Authentication, Entity Management,
# User Access Management, Group Management, API Activity.
OCSF_CLASSES = [3001, 3002, 3004, 3005, 3006, 6003]

# Constraints as declared in objects/*.json of ocsf-schema 1.8.0 (commit 6fa6499a),
# resolved along `extends`, for every object whose compiled constraint differs.
# Only objects reachable from OCSF_CLASSES matter; --ocsf-source checks the whole table.
CONSTRAINT_FIXES = {
    "_entity": {"at_least_one": ["name", "uid"]},
    "_resource": {"at_least_one": ["name", "uid"]},
    "aircraft": {"at_least_one": ["name", "serial_number", "uid", "uid_alt"]},
    "data_security": {"at_least_one": ["data_lifecycle_state_id", "detection_pattern", "detection_system_id", "policy"]},
    "device": {"at_least_one": ["ip", "uid", "name", "hostname", "instance_uid", "interface_uid", "interface_name"]},
    "endpoint": {"at_least_one": ["ip", "uid", "name", "hostname", "instance_uid", "interface_uid", "interface_name"]},
    "evidences": {"at_least_one": ["actor", "api", "connection_info", "data", "database", "databucket", "device", "dst_endpoint", "email", "file", "process", "query", "resources", "src_endpoint", "url", "user", "job", "script"]},
    "file": {},
    "image": {},
    "managed_entity": {"at_least_one": ["name", "uid", "device", "group", "org", "policy", "user"]},
    "message_context": {"at_least_one": ["application", "service"]},
    "network_endpoint": {"at_least_one": ["ip", "uid", "name", "hostname", "svc_name", "instance_uid", "interface_uid", "interface_name", "domain"]},
    "network_interface": {"at_least_one": ["ip", "mac", "name", "hostname", "uid"]},
    "network_proxy": {"at_least_one": ["ip", "uid", "name", "hostname", "svc_name", "instance_uid", "interface_uid", "interface_name", "domain"]},
    "policy": {"at_least_one": ["name", "type", "uid"]},
    "process_entity": {"at_least_one": ["cmd_line", "name", "path", "pid", "uid", "cpid"]},
    "query_evidence": {"just_one": ["connection_info", "file", "folder", "group", "job", "kernel", "module", "network_interfaces", "peripheral_device", "process", "service", "session", "startup_item", "user"]},
    "reporter": {"at_least_one": ["hostname", "ip", "name", "uid"]},
    "startup_item": {"just_one": ["driver", "job", "process"]},
    "unmanned_aerial_system": {"at_least_one": ["name", "serial_number", "uid", "uid_alt"]},
    "user": {"at_least_one": ["account", "name", "uid"]},
}

# Class attributes declared `"profile": null` in the class files (or the files they
# extend) of ocsf-schema 1.8.0, for the classes above: they are core attributes.
PROFILE_NULL_FIXES = {
    3001: ["actor", "policy"],
    3002: ["actor"],
    3004: ["actor"],
    3005: ["actor"],
    3006: ["actor"],
    6003: ["actor", "api"],
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def ecs_fields(path):
    import yaml  # only needed here

    with open(path, encoding="utf-8") as f:
        flat = yaml.safe_load(f)
    fields = {}
    for name, spec in flat.items():
        out = {"type": spec["type"]}
        if "array" in (spec.get("normalize") or []):
            out["array"] = True
        if spec.get("required"):
            out["required"] = True
        if spec.get("allowed_values"):
            out["allowed"] = [a["name"] for a in spec["allowed_values"]]
        if spec.get("expected_values"):
            out["expected"] = list(spec["expected_values"])
        if spec.get("pattern"):
            out["pattern"] = spec["pattern"]
        if spec.get("object_type"):
            out["object_type"] = spec["object_type"]
        fields[name] = out
    expected_types = {
        a["name"]: list(a.get("expected_event_types") or [])
        for a in flat["event.category"]["allowed_values"]
    }
    return {
        "header": {
            "schema": "Elastic Common Schema",
            "version": ECS_VERSION,
            "source": "generated/ecs/ecs_flat.yml of elastic/ecs, tag v8.11.0",
            "source_sha256": sha256(path),
            "generated_by": "scripts/siem/extract-schemas.py",
            "contents": "every ECS field (flat dot name): type; array when ECS normalizes it to an "
            "array; required; allowed values; expected values; pattern; and for each "
            "event.category the event.type values ECS expects with it",
        },
        "version": ECS_VERSION,
        "fields": fields,
        "expected_event_types": expected_types,
    }


def source_constraints(src):
    """Constraints of every object in the ocsf-schema source, resolved along `extends`."""
    raw = {}
    for root, _dirs, files in os.walk(os.path.join(src, "objects")):
        for name in files:
            if name.endswith(".json"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    j = json.load(f)
                raw[j.get("name") or name[:-5]] = j

    def resolve(name, seen=()):
        j = raw.get(name)
        if j is None or name in seen:
            return None
        if "constraints" in j:
            return j["constraints"] or {}
        parent = j.get("extends")
        return resolve(parent, seen + (name,)) if parent else None

    return {name: resolve(name) for name in raw}


def source_profile_nulls(src, compiled):
    """Class attributes marked "profile": null along each class's `extends` chain."""
    files = {}
    for root, _dirs, names in os.walk(os.path.join(src, "events")):
        for name in names:
            if name.endswith(".json"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    j = json.load(f)
                files[j.get("name") or name[:-5]] = j
    with open(os.path.join(src, "events", "base_event.json"), encoding="utf-8") as f:
        files["base_event"] = json.load(f)
    out = {}
    for cls in compiled["classes"].values():
        if cls["uid"] not in OCSF_CLASSES:
            continue
        nulls, name = set(), cls["name"]
        while name:
            j = files[name]
            for attr, spec in (j.get("attributes") or {}).items():
                if isinstance(spec, dict) and "profile" in spec and spec["profile"] is None:
                    nulls.add(attr)
            name = j.get("extends")
        out[cls["uid"]] = sorted(nulls)
    return out


def compact_attr(a):
    out = {"type": a["type"], "requirement": a.get("requirement") or "optional"}
    if a.get("is_array"):
        out["is_array"] = True
    if a.get("enum"):
        out["enum"] = {k: v["caption"] for k, v in a["enum"].items()}
    if a.get("sibling"):
        out["sibling"] = a["sibling"]
    if a.get("profile"):
        out["profile"] = a["profile"]
    if a.get("@deprecated"):
        out["deprecated"] = True
    return out


def ocsf_subset(path, src):
    with open(path, encoding="utf-8") as f:
        compiled = json.load(f)
    if compiled.get("version") != OCSF_VERSION:
        sys.exit(f"{path}: version {compiled.get('version')!r}, expected {OCSF_VERSION}")
    if src:
        found = source_constraints(src)
        wrong = {
            n: c
            for n, c in found.items()
            if c is not None and c != (compiled["objects"].get(n) or {}).get("constraints")
        }
        if wrong != CONSTRAINT_FIXES:
            sys.exit(
                "CONSTRAINT_FIXES differs from the source:\n"
                + json.dumps(wrong, indent=1, sort_keys=True)
            )
        nulls = source_profile_nulls(src, compiled)
        if nulls != PROFILE_NULL_FIXES:
            sys.exit(f"PROFILE_NULL_FIXES differs from the source: {nulls}")

    classes, wanted = {}, []
    by_uid = {c["uid"]: c for c in compiled["classes"].values()}
    categories = {}
    for uid in OCSF_CLASSES:
        c = by_uid[uid]
        cat = compiled["categories"][c["category"]]
        categories[str(cat["uid"])] = cat["caption"]
        attrs = {}
        for name, a in c["attributes"].items():
            ca = compact_attr(a)
            if name in PROFILE_NULL_FIXES[uid]:
                ca.pop("profile", None)
            attrs[name] = ca
            wanted.append(a["type"])
        classes[str(uid)] = {
            "name": c["name"],
            "caption": c["caption"],
            "category_uid": cat["uid"],
            "constraints": c.get("constraints") or {},
            "attributes": attrs,
        }

    objects, seen = {}, set()
    while wanted:
        t = wanted.pop()
        if t in seen or t not in compiled["objects"]:
            continue
        seen.add(t)
        ob = compiled["objects"][t]
        constraints = CONSTRAINT_FIXES.get(t, ob.get("constraints") or {})
        objects[t] = {
            "caption": ob["caption"],
            "constraints": constraints,
            "attributes": {n: compact_attr(a) for n, a in ob["attributes"].items()},
        }
        wanted.extend(a["type"] for a in ob["attributes"].values())

    types = {}
    for name, t in compiled["types"].items():
        out = {}
        for key in ("type", "regex", "range", "max_len", "values"):
            if t.get(key) is not None:
                out[key] = t[key]
        types[name] = out

    return {
        "header": {
            "schema": "Open Cybersecurity Schema Framework",
            "version": OCSF_VERSION,
            "source": "ocsf/ocsf-schema tag 1.8.0 (commit 6fa6499a0f8c9f449d342816e90e5f687c224b0a), "
            "compiled with ocsf-lib 0.10.4 `python -m ocsf.compile`",
            "source_sha256": sha256(path),
            "generated_by": "scripts/siem/extract-schemas.py",
            "contents": "classes 3001, 3002, 3004, 3005, 3006, 6003 and every object and type "
            "they reach: attribute types, requirement, arrays, enum captions, siblings, "
            "profiles, deprecation, constraints; category captions by uid",
            "corrections": "object constraints re-read from objects/*.json along `extends` "
            "(ocsf-lib gives every _entity descendant [name, uid]); class attributes that "
            "the class files mark profile:null are class attributes, not profile ones",
        },
        "version": OCSF_VERSION,
        "categories": categories,
        "classes": classes,
        "objects": objects,
        "types": types,
    }


def write(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("ecs_flat")
    p.add_argument("ocsf_compiled")
    p.add_argument("--ocsf-source")
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "fixtures", "siem"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, f"ecs-{ECS_VERSION}-fields.json"), ecs_fields(args.ecs_flat))
    write(
        os.path.join(args.out, f"ocsf-{OCSF_VERSION}-subset.json"),
        ocsf_subset(args.ocsf_compiled, args.ocsf_source),
    )


if __name__ == "__main__":
    main()
