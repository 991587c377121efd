"""Write the pre-migration baseline (each distinct report once, indexed by day): every seed's report at every epoch boundary +-1 day.

Run once, with the code and rulesets as they stood before the law-model-v2 migration (#10);
the committed output (``baseline.json``) is what ``test_migration.py`` compares against.
Kept for the record: re-running it after the migration would overwrite the baseline with the
migrated behaviour and make the comparison meaningless.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from engine.evaluate.evaluator import Evaluator  # noqa: E402
from engine.facts.inputs import product_from_data  # noqa: E402
from engine.law.loader import load_rulesets  # noqa: E402

#: Dates the migrated model adds (issue #10's history) besides the boundaries already encoded.
HISTORY = [
    "2017-06-01", "2018-05-25", "2019-01-23", "2020-01-01", "2020-07-01", "2020-07-16",
    "2020-08-14", "2021-06-28", "2021-11-01", "2021-12-17", "2022-03-01", "2023-01-01",
    "2023-01-10", "2023-03-29", "2023-07-10", "2023-08-15", "2024-03-22", "2025-01-01",
    "2025-09-01", "2026-01-01",
]  # fmt: skip


def project(report: dict) -> dict:
    """The parts of a report the migration may change, in a compact, comparable form."""
    return {
        "violations": sorted(
            [v["rule_id"], v["subject"]["path"], v["severity"], v["citation"], v["penalty"]["tier"],
             v["penalty"]["currency"], v["penalty"]["min"], v["penalty"]["max"]]
            for v in report["violations"]
        ),
        "upcoming": sorted(
            [u["rule_id"], u["subject"]["path"], u["effective_from"]] for u in report["upcoming"]
        ),
        "insufficient": sorted(
            [i["rule_id"] or "", i["instrument"], (i.get("subject") or {}).get("path", ""),
             sorted(i["missing"]), sorted(i.get("would_violate") or [])]
            for i in report["insufficient_information"]
            if i.get("about") != "penalty"  # issue #11: open-ended maxima are listed here too
        ),
        "not_applicable": sorted(n["instrument"] for n in report["not_applicable"]),
        "exposure": sorted(
            [e["instrument"], e["currency"], e["min"], e["max"]] for e in report["summary"]["exposure"]
        ),
    }  # fmt: skip


def dates(ruleset) -> list[dt.date]:
    days = {dt.date.fromisoformat(d) for d in HISTORY}
    for inst in ruleset.instruments:
        days.add(inst.in_force)
        for r in inst.rules:
            days.add(r.effective.from_)
            if r.effective.until:
                days.add(r.effective.until + dt.timedelta(days=1))
    out = set()
    for d in days:
        out |= {d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)}
    return sorted(out)


def main() -> None:
    ruleset = load_rulesets()
    ev = Evaluator(ruleset, "durable")
    out: dict[str, dict] = {}
    days = dates(ruleset)
    for seed in sorted((ROOT / "seeds").glob("*.json")):
        product = product_from_data(json.loads(seed.read_text(encoding="utf-8")))
        distinct: list[dict] = []
        by_day: dict[str, int] = {}
        for d in days:
            got = project(json.loads(ev.evaluate(product, d).model_dump_json()))
            if got not in distinct:
                distinct.append(got)
            by_day[d.isoformat()] = distinct.index(got)
        out[seed.name] = {"days": by_day, "reports": distinct}
    text = json.dumps(out, sort_keys=True, indent=None, separators=(",", ":"))
    (HERE / "baseline.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
