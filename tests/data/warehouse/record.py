"""Re-record the reference's results for the Warehouse Sync extracts here (needs Node and the oracle).

    PYTHONPATH=. python tests/data/warehouse/record.py [/path/to/oracle.js]

For each case: the pipeline's mapping builds the batches (<case>.batches.ndjson, one line per row that
builds; the rows that cannot are listed in the test with their exact messages), the plan version
those batches route to is looked up as dpv routes, and the reference
(@mparticle/data-planning-node@1.0.3 through oracle.js) validates them into <case>.reference.ndjson.
users.parquet is written first (from the typed rows below) when it is missing.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import orjson

from validator.api import load_plan
from validator.warehouse import extract_records, load_mapper

HERE = Path(__file__).parent
CASES = {  # case: (extract, pipeline, field transformation)
    "users_csv": ("users.csv", "users.pipeline.json", None),
    "users_parquet": ("users.parquet", "users.pipeline.json", None),
    "events_csv": ("events.csv", "events.pipeline.json", "events.ft.json"),
    "events_ndjson": ("events.ndjson", "events.pipeline.json", "events.ft.json"),
}


def write_users_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = datetime.timezone.utc
    table = pa.table(
        {
            "updated_at": pa.array(
                [
                    datetime.datetime(2023, 3, 1, 14, 30, tzinfo=utc),
                    datetime.datetime(2023, 3, 1, 14, 31, tzinfo=utc),
                    datetime.datetime(2023, 3, 1, 14, 32, tzinfo=utc),
                ],
                pa.timestamp("us", "UTC"),
            ),
            "CUSTOMER_ID": pa.array([1001, 1002, None], pa.int64()),
            "email": ["ada@example.com", None, "cleo@example.com"],
            "android_advertising_id": [None, "38400000-8cf0-11bd-b23e-10b96e40000d", None],
            "plan": ["pro", "trial", None],
            "age": pa.array([36, 40, None], pa.int32()),
            "propensity_to_buy": pa.array([0.82, float("nan"), 0.5], pa.float64()),
            "newsletter": [True, False, None],
            "favorite_categories": [["books", "garden"], [], None],
            "last_seen": pa.array([datetime.date(2023, 2, 28), None, None], pa.date32()),
        }
    )
    pq.write_table(table, path)


def main() -> None:
    oracle = sys.argv[1] if len(sys.argv) > 1 else "/work/oracle/oracle.js"
    if not (HERE / "users.parquet").exists():
        write_users_parquet(HERE / "users.parquet")
    plan_path = str(HERE / "plan.json")
    validator = load_plan(plan_path)
    for case, (extract, pipeline, ft) in CASES.items():
        mapper = load_mapper(str(HERE / pipeline), str(HERE / ft) if ft else None)
        built = [r.batch for r in extract_records(str(HERE / extract), mapper) if r.error is None]
        batches = HERE / f"{case}.batches.ndjson"
        batches.write_bytes(b"".join(orjson.dumps(b) + b"\n" for b in built))
        version = validator.version_for(built[0]).version
        assert all(validator.version_for(b).version == version for b in built)
        result = subprocess.run(
            ["node", oracle, "--quiet", "--plan-version", str(version), plan_path, str(batches)],
            check=True,
            capture_output=True,
        )
        (HERE / f"{case}.reference.ndjson").write_bytes(result.stdout)
        print(f"{case}: {len(built)} batches, plan version {version}")


if __name__ == "__main__":
    main()
