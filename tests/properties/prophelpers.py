"""Helpers of the property suite: evaluators, report normalisation, dates, document edits."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from functools import cache
from typing import Any

from hypothesis import strategies as st

from engine.core.jurisdictions import jurisdictions, market_of
from engine.evaluate.evaluator import Evaluator, default_evaluator
from engine.facts.product import Product
from engine.report.model import Report

MARKETS = tuple(sorted(jurisdictions()))


def durable() -> Evaluator:
    return default_evaluator("durable")


def reference() -> Evaluator:
    return default_evaluator("reference")


def model(doc: dict[str, Any]) -> Product:
    return Product.model_validate(doc)


@cache
def boundary_days() -> tuple[dt.date, ...]:
    """Days on which some rule or instrument starts or stops applying, with their neighbours."""
    ruleset = durable().ruleset
    days: set[dt.date] = set()
    for inst in ruleset.instruments:
        days.add(inst.in_force)
        for r in inst.rules:
            days.add(max(r.effective.from_, inst.in_force))
            if r.effective.until:
                days.add(r.effective.until)
    out: set[dt.date] = set()
    for d in days:
        out.update({d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)})
    return tuple(sorted(out))


def earliest_day() -> dt.date:
    ruleset = durable().ruleset
    return min(max(r.effective.from_, ruleset.instrument(r.instrument_id).in_force) for r in ruleset.rules)


def days() -> st.SearchStrategy[dt.date]:
    """As-of days: rule boundaries and their neighbours, and any day from 2017 to 2030."""
    return st.one_of(st.sampled_from(boundary_days()), st.dates(dt.date(2017, 1, 1), dt.date(2030, 12, 31)))


def jurisdiction_places(market: str) -> set[str]:
    """The market and the places that bring it into a product's markets: the member states that
    fold into it (EU and its member states) and a country it lies within (US for US-CA)."""
    from engine.core.jurisdictions import member_of, other_places, parts_of

    return (
        {market}
        | {m for m, j in member_of().items() if j == market}
        | {c for c in other_places() if market in parts_of(c)}
    )


def in_market(report: Report, market: str) -> dict[str, Any]:
    """The part of a report that belongs to ``market``'s instruments (comparable across runs)."""

    def ev(v: Any) -> list[Any]:
        return sorted(
            json.dumps(
                {
                    **e.model_dump(mode="json"),
                    **({"actual": None} if e.rule_fact == "product.markets" else {}),
                },
                sort_keys=True,
            )
            for e in v.evidence
        )

    return {
        "violations": sorted(
            (v.rule_id, v.subject.path, v.penalty.model_dump_json(), tuple(ev(v)))
            for v in report.violations
            if v.jurisdiction == market
        ),
        "insufficient": sorted(
            (i.rule_id or "", i.subject.path if i.subject else "", tuple(i.missing), tuple(i.would_violate))
            for i in report.insufficient_information
            if i.jurisdiction == market
        ),
        "upcoming": sorted(
            (u.rule_id, u.subject.path, u.effective_from.isoformat())
            for u in report.upcoming
            if u.jurisdiction == market
        ),
        "not_applicable": sorted(n.instrument for n in report.not_applicable if n.jurisdiction == market),
        "exposure": sorted(e.model_dump_json() for e in report.summary.exposure if e.jurisdiction == market),
    }


def verdicts(report: Report) -> dict[str, Any]:
    """Rule-for-rule verdicts of a report."""
    return {
        "violations": sorted((v.rule_id, v.subject.path) for v in report.violations),
        "insufficient": sorted(
            (i.rule_id or "", i.instrument, i.subject.path if i.subject else "", tuple(i.missing))
            for i in report.insufficient_information
        ),
        "upcoming": sorted((u.rule_id, u.subject.path, u.effective_from) for u in report.upcoming),
        "not_applicable": sorted(n.instrument for n in report.not_applicable),
    }


_INDEX = re.compile(r"data_practices\[(\d+)\](?:\.transfers\[(\d+)\])?")


def normalise(report: Report, doc: dict[str, Any]) -> str:
    """The report as JSON with positions in the document replaced by identities.

    ``data_practices[i]`` becomes the practice's id and ``transfers[j]`` the transfer's content,
    so reports of the same description in another order compare equal; lists the report echoes
    from the description (evidence ``actual``) and every list of entries are sorted.
    """
    practices = doc.get("data_practices") or []

    def ident(m: re.Match[str]) -> str:
        p = practices[int(m.group(1))]
        out = f"data_practices[id={p['id']}]"
        if m.group(2) is not None:
            t = (p.get("transfers") or [])[int(m.group(2))]
            out += f".transfers[{json.dumps(t, sort_keys=True)}]"
        return out

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            out = {k: walk(v, k) for k, v in node.items()}
            if (
                "subject" in out
                and isinstance(out["subject"], dict)
                and out["subject"].get("kind") == "transfer"
            ):
                out["subject"]["id"] = out["subject"]["path"]
            return out
        if isinstance(node, list):
            items = [walk(v) for v in node]
            if key in (
                "violations",
                "insufficient_information",
                "upcoming",
                "not_applicable",
                "evidence",
                "actual",
            ):
                items.sort(key=lambda x: json.dumps(x, sort_keys=True))
            return items
        if isinstance(node, str):
            return _INDEX.sub(ident, node)
        return node

    data = report.model_dump(mode="json")
    data.pop("engine", None)
    return json.dumps(walk(data), sort_keys=True)


def shuffled(doc: dict[str, Any], rnd: Any) -> dict[str, Any]:
    """The same description with every list and every mapping in another order."""

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            items = [(k, walk(v, k)) for k, v in node.items()]
            rnd.shuffle(items)
            return dict(items)
        if isinstance(node, list):
            items = [walk(v) for v in node]
            rnd.shuffle(items)
            return items
        return node

    return walk(copy.deepcopy(doc))


def market_code(place: str) -> str | None:
    return market_of(place)
