"""Engine throughput: the shipped durable_rules path next to compiled closures and regorus.

Three deciders answer the same question — which checks are true, and which unknown, for
each subject of a product — and each is measured at two levels:

- ``full``: :meth:`engine.evaluate.evaluator.Evaluator.evaluate`, product model in, ``Report`` out (the
  shipped path: facts, decisions, evidence, penalties, report). The closure and Rego rows
  swap only the decider; facts and report assembly are the same code.
- ``decide``: the decider alone, on facts built beforehand.

Method (shared/research/durable-rules-bench.md, appendix): a differential check first —
closures and durable against the reference evaluator, Rego's definite sets against durable's,
whole reports of durable against closures — and no timing if any differ; then ``rounds``
rounds with the engine order rotated, per-call ``perf_counter`` latencies, evaluations per
second from each loop's wall time, ratios taken within a round, medians over rounds.
"""

from __future__ import annotations

import datetime as dt
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.closures import ClosureEngine
from bench.products import generated, load_seeds
from bench.rego import RegoEngine
from engine.decide.reference import ReferenceEngine
from engine.evaluate.assembly import assemble
from engine.evaluate.evaluator import Evaluator, checks_of
from engine.facts.product import Product
from engine.facts.registry import build_subjects
from engine.law.loader import load_rulesets

AS_OF = dt.date(2026, 11, 30)
ENGINES = ("durable", "closures", "rego")


class DifferentialFailure(RuntimeError):
    """The engines disagree: nothing is timed."""


class _WithDecider(Evaluator):
    """An Evaluator whose decisions come from a given decider (facts and report code unchanged)."""

    def __init__(self, ruleset: Any, decider: Any):
        self._given = decider
        super().__init__(ruleset, "reference")

    def _decider(self, checks: list[Any]) -> Any:
        return self._given


def with_decider(ruleset: Any, decider: Any) -> Evaluator:
    """An Evaluator whose decisions come from ``decider`` (facts and report code unchanged)."""
    return _WithDecider(ruleset, decider)


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _time_chunk(fn: Callable[[Any], Any], items: list[Any], lat: list[float]) -> tuple[float, float]:
    """Call ``fn`` on each item; append per-call latencies; return (wall, CPU) seconds."""
    pc, cpu = time.perf_counter, time.process_time
    c0, t0 = cpu(), pc()
    for item in items:
        s = pc()
        fn(item)
        lat.append(pc() - s)
    return pc() - t0, cpu() - c0


def _report_key(report: Any) -> str:
    data = report.model_dump(mode="json")
    data.pop("engine", None)
    import json

    return json.dumps(data, sort_keys=True)


def differential(
    ruleset: Any, products: list[Product], subjects: list[list[Any]], engines: dict[str, Any]
) -> dict[str, Any]:
    """Every engine against the reference (and Rego against durable); raise on any difference."""
    checks = checks_of(ruleset, ruleset.epoch_of(AS_OF))  # the law of AS_OF, as the evaluators decide it
    ref = ReferenceEngine(checks)
    rego_keys = {c.key for c in engines["rego_decider"].checks}
    out: dict[str, Any] = {
        "products": len(products),
        "subjects": sum(len(s) for s in subjects),
        "durable_vs_reference": 0,
        "closures_vs_reference": 0,
        "rego_definite_vs_durable": 0,
        "rego_vs_reference": 0,
        "reports_durable_vs_closures": 0,
        "violations": 0,
        "true_checks": 0,
        "unknown_checks": 0,
    }
    first: list[str] = []
    for n, subs in enumerate(subjects):
        r = ref.decide(subs)
        d = engines["durable_decider"].decide(subs)
        c = engines["closures_decider"].decide(subs)
        g = engines["rego_decider"].decide(subs)
        for s, a, b, x, y in zip(subs, r, d, c, g, strict=True):
            out["true_checks"] += len(a.true)
            out["unknown_checks"] += len(a.unknown)
            if (a.true, a.unknown) != (b.true, b.unknown):
                out["durable_vs_reference"] += 1
                first.append(
                    f"durable product {n} {s.kind} {s.id}: {sorted(a.true ^ b.true)} {sorted(a.unknown ^ b.unknown)}"
                )
            if (a.true, a.unknown) != (x.true, x.unknown):
                out["closures_vs_reference"] += 1
                first.append(f"closures product {n} {s.kind} {s.id}: {sorted(a.true ^ x.true)}")
            if (b.true & rego_keys) != y.true:
                out["rego_definite_vs_durable"] += 1
                first.append(f"rego product {n} {s.kind} {s.id}: {sorted((b.true & rego_keys) ^ y.true)}")
            if (a.true & rego_keys, a.unknown & rego_keys) != (y.true, y.unknown):
                out["rego_vs_reference"] += 1
    for p in products:
        a = engines["durable"](p)
        b = engines["closures"](p)
        out["violations"] += len(a.violations)
        if _report_key(a) != _report_key(b):
            out["reports_durable_vs_closures"] += 1
            first.append(f"report of {p.id} differs between durable and closures")
    bad = {k: v for k, v in out.items() if k.endswith(("_reference", "_durable", "_closures")) and v}
    if bad:
        raise DifferentialFailure(f"differential check FAILED - not timing: {bad}; first: {first[:5]}")
    return out


def measure(
    engines: dict[str, Callable[[Any], Any]], items: list[Any], rounds: int, base: str = "durable",
    chunk: int = 20,
) -> dict[str, Any]:  # fmt: skip
    """Rounds of every engine over ``items``; per engine: medians of evals/s, p50, p99, ratios to ``base``.

    Within a round the engines take turns on chunks of ``chunk`` items, the order rotated from
    chunk to chunk and round to round, so a change in the machine's load (other processes) falls
    on every engine alike; an engine's round time is the sum of its chunks. The ratio is taken
    within the round (wall time, and CPU time of this process as a cross-check).
    """
    names = list(engines)
    walls: dict[str, list[float]] = {n: [] for n in names}
    p50: dict[str, list[float]] = {n: [] for n in names}
    p99: dict[str, list[float]] = {n: [] for n in names}
    ratios: dict[str, list[float]] = {n: [] for n in names}
    cpu_ratios: dict[str, list[float]] = {n: [] for n in names}
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    for rnd in range(rounds):
        wall_round = dict.fromkeys(names, 0.0)
        cpu_round = dict.fromkeys(names, 0.0)
        lat: dict[str, list[float]] = {n: [] for n in names}
        gc.collect()
        for c, part in enumerate(chunks):
            k = (rnd + c) % len(names)
            for name in names[k:] + names[:k]:
                wall, cpu = _time_chunk(engines[name], part, lat[name])
                wall_round[name] += wall
                cpu_round[name] += cpu
        for name in names:
            lat[name].sort()
            walls[name].append(wall_round[name])
            p50[name].append(_pct(lat[name], 0.50))
            p99[name].append(_pct(lat[name], 0.99))
            # base ÷ other in evaluations per second = other's time ÷ base's time
            ratios[name].append(wall_round[name] / wall_round[base])
            cpu_ratios[name].append(cpu_round[name] / cpu_round[base])
    med = statistics.median
    return {
        name: {
            "evals_per_s": len(items) / med(walls[name]),
            "p50_ms": 1e3 * med(p50[name]),
            "p99_ms": 1e3 * med(p99[name]),
            f"{base}_ratio": med(ratios[name]),  # durable's throughput ÷ this engine's
            "ratio_spread": [min(ratios[name]), max(ratios[name])],
            f"{base}_cpu_ratio": med(cpu_ratios[name]),
        }
        for name in names
    }


def seed_costs(
    evaluate: Callable[[Any], Any], seeds: list[tuple[str, Product]], repeats: int
) -> dict[str, float]:
    """Median cost in ms of one evaluation of each seed (``repeats`` calls each, after a warm-up)."""
    out = {}
    for name, product in seeds:
        evaluate(product)
        lat = []
        for _ in range(repeats):
            s = time.perf_counter()
            evaluate(product)
            lat.append(time.perf_counter() - s)
        out[name.removesuffix(".json")] = 1e3 * statistics.median(lat)
    return out


def report_build_ms(evaluator: Evaluator, product: Product, repeats: int) -> float:
    """Median cost in ms of building the report from decisions already made (facts and decide
    excluded): :func:`engine.evaluate.assembly.assemble` on one evaluation's case, after a warm-up."""
    case = evaluator.case(product, AS_OF)
    engine = evaluator.evaluate(product, AS_OF).engine
    assemble(case, engine)
    lat = []
    for _ in range(repeats):
        s = time.perf_counter()
        assemble(case, engine)
        lat.append(time.perf_counter() - s)
    return 1e3 * statistics.median(lat)


def run(
    n_generated: int = 500, rounds: int = 5, seed: int = 0, source: str = "auto", seed_repeats: int = 200,
    seed_items: int = 200, log: Callable[[str], None] = print,
) -> dict[str, Any]:  # fmt: skip
    t0 = time.perf_counter()
    ruleset = load_rulesets()
    checks = checks_of(ruleset, ruleset.epoch_of(AS_OF))  # the law of AS_OF, as the evaluators decide it
    durable = Evaluator(ruleset)
    closures_decider = ClosureEngine(checks)
    rego_decider = RegoEngine(checks)
    if rego_decider.skipped:
        # leave the untranslatable checks out of BOTH sides of the Rego comparison
        from engine.decide.durable import DurableEngine

        kept = [c for c in checks if c.key not in rego_decider.skipped]
        durable_for_rego = with_decider(ruleset, DurableEngine(kept))
    else:
        durable_for_rego = durable
    closures = with_decider(ruleset, closures_decider)
    rego = with_decider(ruleset, rego_decider)
    log(
        f"engine: {len(ruleset.instruments)} instruments, {len(ruleset.rules)} rules, {len(checks)} checks; generating products…"
    )

    seeds = [(name, Product.model_validate(d)) for name, d in load_seeds()]
    gen_source, gen = generated(n_generated, ruleset, seed=seed, source=source)
    gen_products = [Product.model_validate(d) for d in gen]
    workloads = {"seeds": [p for _, p in seeds], "generated": gen_products}
    workloads["all"] = workloads["seeds"] + workloads["generated"]
    subjects = {k: [build_subjects(p, AS_OF) for p in v] for k, v in workloads.items()}

    engines_full = {
        "durable": lambda p: durable.evaluate(p, AS_OF),
        "closures": lambda p: closures.evaluate(p, AS_OF),
        "rego": lambda p: rego.evaluate(p, AS_OF),
    }
    diff = differential(
        ruleset, workloads["all"], subjects["all"],
        {"durable_decider": durable.decider_at(AS_OF), "closures_decider": closures_decider, "rego_decider": rego_decider,
         "durable": engines_full["durable"], "closures": engines_full["closures"]},
    )  # fmt: skip
    log(
        f"engine: differential check passed on {diff['products']} products ({diff['subjects']} subjects); timing…"
    )

    engines_decide = {
        "durable": durable.decider_at(AS_OF).decide,
        "closures": closures_decider.decide,
        "rego": rego_decider.decide,
    }
    results: dict[str, Any] = {"workloads": {}}
    for wname in ("seeds", "generated", "all"):
        items = workloads[wname]
        if not items:
            continue
        # seeds are few: repeat them so each timed loop is long enough to mean something
        reps = max(1, seed_items // len(items)) if wname == "seeds" else 1
        full = measure(engines_full, items * reps, rounds)
        decide = measure(engines_decide, subjects[wname] * reps, rounds)
        results["workloads"][wname] = {"products": len(items), "full": full, "decide": decide}
        log(
            f"engine: {wname}: durable {full['durable']['evals_per_s']:.0f}/s "
            f"(closures {full['closures']['evals_per_s']:.0f}/s, rego {full['rego']['evals_per_s']:.0f}/s)"
        )
    if durable_for_rego is not durable:
        rego_pair = measure(
            {"durable": lambda p: durable_for_rego.evaluate(p, AS_OF), "rego": engines_full["rego"]},
            workloads["all"], rounds,
        )  # fmt: skip
        results["rego_subset_full"] = rego_pair
    every_subject = [s for subs in subjects["all"] for s in subs]
    calls = durable.decider_at(AS_OF).calls(every_subject)  # type: ignore[attr-defined]
    n = len(workloads["all"])
    results["calls_per_product"] = {
        "asserts": calls.asserts / n,  # one retract each
        "starts": calls.starts / n,
        "fires": calls.fires / n,  # one complete-and-start each
        "results": calls.results / n,  # checks true or unknown: what the fires must find
        "redundant_fires": calls.redundant / n,
        "split_checks": sorted(durable.decider_at(AS_OF).split_checks),  # type: ignore[attr-defined]
    }
    results["seed_eval_median_ms"] = seed_costs(lambda p: durable.evaluate(p, AS_OF), seeds, seed_repeats)
    faceswap = dict(seeds).get("faceswap-zao-style.json")
    if faceswap is not None:
        results["report_build_ms"] = report_build_ms(durable, faceswap, seed_repeats)
    results["differential"] = diff
    results["setup"] = {
        "instruments": len(ruleset.instruments),
        "rules": len(ruleset.rules),
        "checks": len(checks),
        "durable": durable.decider_at(AS_OF).stats(),
        "rego_checks": len(rego_decider.checks),
        "rego_excluded_checks": len(rego_decider.skipped),
        "rego_excluded": rego_decider.skipped,
        "generated_source": gen_source,
        "seeds": [n for n, _ in seeds],
        "as_of": AS_OF.isoformat(),
        "rounds": rounds,
        "seconds": time.perf_counter() - t0,
    }
    return results
