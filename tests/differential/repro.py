"""Run one small schema + value through the reference and the engine, to pin a difference down.

    # custom_attributes of a custom_event "E"/"other" point:
    python tests/differential/repro.py --schema '{"properties":{"a":{"type":"string"}}}' --value '{"a":1}'
    # the user_attributes point (omit --value for a batch without user_attributes):
    python tests/differential/repro.py --ua --schema '{"minProperties":1}'
    # anything else: a whole version document and batch
    python tests/differential/repro.py --plan PLAN.json --batch '{"events":[...]}'

Prints the plan, the batch, our line and the reference's line. Compares in 1.0.4 mode (no
user-attributes result unless the plan has a user_attributes point) unless --compat 1.0.3.
Needs Node and the runner (see README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import harness  # noqa: E402

_MISSING = object()


def build(args: argparse.Namespace) -> tuple:
    """(plan object, batch line text) from the command-line options."""
    if args.plan:
        plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
        return plan, args.batch
    schema = json.loads(args.schema)
    value = json.loads(args.value) if args.value is not None else _MISSING
    if args.ua:
        plan = {
            "data_points": [
                {
                    "match": {"type": "user_attributes"},
                    "validator": {"type": "json_schema", "definition": schema},
                }
            ]
        }
        batch: dict = {"events": []}
        if value is not _MISSING:
            batch["user_attributes"] = value
        return plan, json.dumps(batch, ensure_ascii=False)
    match = {"type": "custom_event", "criteria": {"event_name": "E", "custom_event_type": "other"}}
    definition = {"properties": {"data": {"properties": {"custom_attributes": schema}}}}
    plan = {"data_points": [{"match": match, "validator": {"type": "json_schema", "definition": definition}}]}
    data: dict = {"event_name": "E", "custom_event_type": "other"}
    if value is not _MISSING:
        data["custom_attributes"] = value
    return plan, json.dumps({"events": [{"event_type": "custom_event", "data": data}]}, ensure_ascii=False)


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description="one schema + value through the reference and the engine")
    ap.add_argument("--schema", help="JSON schema for custom_attributes (or, with --ua, the UA definition)")
    ap.add_argument("--value", help="JSON value for custom_attributes / user_attributes; omit for missing")
    ap.add_argument("--ua", action="store_true")
    ap.add_argument("--plan", help="a version document file (then --batch is the whole batch line)")
    ap.add_argument("--batch")
    ap.add_argument("--kernel", choices=["python", "cython"], default="python")
    ap.add_argument("--compat", choices=["1.0.3", "1.0.4"], default="1.0.4")
    args = ap.parse_args(argv)
    if not args.plan and args.schema is None:
        ap.error("--schema or --plan is required")
    plan, line = build(args)
    work = Path(tempfile.mkdtemp(prefix="dpv-repro-"))
    plan_file, batches_file = harness.write_case(work / "repro", plan, [line])
    theirs = harness.run_oracle(plan_file, batches_file, ua_optional=args.compat == "1.0.4")
    compat = "1.0.3" if args.compat == "1.0.3" else None
    ours = harness.engine_lines(str(plan_file), [line], args.kernel, compat)
    print("plan:  ", json.dumps(plan, ensure_ascii=False))
    print("batch: ", line)
    print("ours:  ", ours[0].decode("utf-8", "replace") if isinstance(ours, list) else f"PlanError: {ours}")
    print("theirs:", theirs[0].decode("utf-8", "replace") if theirs else "(runner crashed)")
    same = isinstance(ours, list) and theirs is not None and harness.same(ours[0], theirs[0])
    print("SAME" if same else "DIFFERENT")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
