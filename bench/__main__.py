"""``python -m bench``: regulint's performance figures next to their targets (issue 7).

Sections (each can be skipped with ``--skip``):

- engine: evaluations/s and p50/p99 of the shipped path (durable_rules) over the seeds and over
  generated descriptions, next to compiled closures and Rego (regorus) — bench/engine_bench.py;
- cold: process start to a compiled evaluator; CLI start — bench/system_bench.py;
- batch: ``regulint check`` over generated files with --jobs 1 and 2 (10,000 files, JSON), and each output
  format over 1,000 files — bench/system_bench.py;
- memory: RSS over many evaluations in one process — bench/memory.py;
- api: ``regulint serve`` next to a bare FastAPI endpoint answering the same number of bytes, at
  1/16/64 clients — bench/api_bench.py.

Every figure is a median over repetitions, and every comparison a ratio measured side by side
in the same run. ``--json`` prints one JSON object on the last line. ``--quick`` is a smoke
run (CI, under a minute); the defaults are the full run quoted in the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from typing import Any

SECTIONS = ("engine", "cold", "batch", "memory", "api")

#: (key, target text, test) — the targets of issue 7
TARGETS: list[tuple[str, str, Any]] = [
    ("engine_ratio", ">= 0.8x compiled closures", lambda v: v >= 0.8),
    ("engine_cpu_ratio", "(same, by CPU time)", lambda v: v >= 0.8),
    ("engine_vs_rego", ">= 2x regorus", lambda v: v >= 2.0),
    ("engine_p99_ms", "(reported)", None),
    ("engine_instr_ratio", ">= 0.9x closures (instructions)", lambda v: v >= 0.9),
    ("engine_decide_instr_ratio", ">= 0.6x closures (instructions)", lambda v: v >= 0.6),
    ("redundant_fires_per_product", "(reported; 0 = one fire per check)", None),
    ("cold_start_s", "< 1 s", lambda v: v < 1.0),
    ("batch_speedup_2", ">= 1.7x (1 -> 2 processes)", lambda v: v >= 1.7),
    ("batch_speedup_2_1k", ">= 1.35x (1,000 files)", lambda v: v >= 1.35),
    ("sarif_vs_json", "<= 1.5x JSON's time, any --jobs", lambda v: v <= 1.5),
    ("table_vs_json", "<= 1.5x JSON's time, any --jobs", lambda v: v <= 1.5),
    ("batch_machine_speedup_2", "(headroom: 2 procs, bare loop)", None),
    ("api_ratio_64", ">= 0.4x bare, same payload", lambda v: v >= 0.4),  # issue 15
    ("api_rps_64", "(reported)", None),
    ("api_p99_ms_64", "(reported)", None),
    ("api_p99_bound_64", "<= 1: p99 / (1.5 x 64 / rps)", lambda v: v <= 1.0),
    ("api_bare_p99_bound_64", "(the load generator's floor)", None),
    ("api_server_cpu_ms_64", "(reported: CPU per answer)", None),
    ("api_bare_server_cpu_ms_64", "(reported: bare's)", None),
    ("api_p50_ms_1", "(reported)", None),
    ("api_p99_ms_1", "(reported)", None),
    ("api_p99_over_p50_1", "<= 2: p99 / p50 at 1 client", lambda v: v <= 2.0),
    ("rss_growth_mb", "flat: < 5 MB after warm-up", lambda v: v < 5.0),
]


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _api(clients: tuple[int, ...], seconds: float, reps: int, workers: int) -> dict[str, Any]:
    try:
        from bench import api_bench
    except ImportError:  # pragma: no cover - the API bench ships beside this one
        from bench import api_load as api_bench  # type: ignore[no-redef]
    runs = []
    for rep in range(reps):
        _log(f"api: repetition {rep + 1}/{reps} ({seconds} s per level, clients {list(clients)})")
        runs.append(api_bench.run(clients=clients, seconds=seconds, workers=workers))
    med = statistics.median
    levels = []
    for i, n in enumerate(clients):
        reg = [r["regulint"][i] for r in runs]
        bare = [r["bare"][i] for r in runs]
        levels.append(
            {
                "clients": n,
                "regulint_rps": med(x["throughput_rps"] for x in reg),
                "regulint_p50_ms": med(x["p50_ms"] for x in reg),
                "regulint_p99_ms": med(x["p99_ms"] for x in reg),
                "regulint_errors": sum(x["errors"] for x in reg),
                "bare_rps": med(x["throughput_rps"] for x in bare),
                "bare_p50_ms": med(x["p50_ms"] for x in bare),
                "bare_p99_ms": med(x["p99_ms"] for x in bare),
                "regulint_cpu_ms": med(x["server_cpu_ms"] for x in reg),
                "regulint_server_phases": {  # Server-Timing, median over repetitions
                    name: {q: med(x["server_phases"][name][q] for x in reg) for q in ("p50_ms", "p99_ms")}
                    for name in reg[0].get("server_phases", {})
                    if all(name in x.get("server_phases", {}) for x in reg)
                },
                "bare_cpu_ms": med(x["server_cpu_ms"] for x in bare),
                "ratio": med(
                    a["throughput_rps"] / b["throughput_rps"] for a, b in zip(reg, bare, strict=True)
                ),
            }
        )
    return {"config": runs[0]["config"], "reps": reps, "levels": levels}


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def summarise(res: dict[str, Any]) -> dict[str, Any]:
    """The headline figures (the JSON keys of issue 7) from the section results."""
    out: dict[str, Any] = {}
    eng = res.get("engine")
    if eng:
        allw = eng["workloads"]["all"]
        full, dec = allw["full"], allw["decide"]
        out["engine_ratio"] = full["closures"]["durable_ratio"]
        rego_full = eng.get("rego_subset_full", full)
        out["engine_vs_rego"] = rego_full["rego"]["durable_ratio"]
        out["engine_evals_per_s"] = full["durable"]["evals_per_s"]
        out["engine_p50_ms"] = full["durable"]["p50_ms"]
        out["engine_p99_ms"] = full["durable"]["p99_ms"]
        out["engine_cpu_ratio"] = full["closures"]["durable_cpu_ratio"]
        out["engine_decide_ratio"] = dec["closures"]["durable_ratio"]
        out["engine_decide_vs_rego"] = dec["rego"]["durable_ratio"]
        out["engine_decide_p99_ms"] = dec["durable"]["p99_ms"]
        for w in ("seeds", "generated"):
            if w in eng["workloads"]:
                out[f"engine_ratio_{w}"] = eng["workloads"][w]["full"]["closures"]["durable_ratio"]
                out[f"engine_vs_rego_{w}"] = eng["workloads"][w]["full"]["rego"]["durable_ratio"]
        out["engine_eval_median_ms"] = eng["seed_eval_median_ms"]
        out["report_build_ms"] = eng.get("report_build_ms")  # faceswap seed: the report from its decisions
        out["engine_seed_eval_median_ms"] = (
            statistics.median(eng["seed_eval_median_ms"].values()) if eng["seed_eval_median_ms"] else None
        )
        out["rego_excluded_checks"] = eng["setup"]["rego_excluded_checks"]
        out["fires_per_product"] = eng["calls_per_product"]["fires"]
        out["redundant_fires_per_product"] = eng["calls_per_product"]["redundant_fires"]
        instr = eng.get("instructions", {})
        for key in ("engine_instr_ratio", "engine_decide_instr_ratio"):
            if key in instr:
                out[key] = instr[key]
    if "cold" in res:
        out["cold_start_s"] = res["cold"]["cold_start_s"]
        out["cli_help_s"] = res["cold"]["cli_help_s"]
        out["cli_import_s"] = res["cold"]["cli_import_s"]
    if "batch" in res:
        out["batch_speedup_2"] = res["batch"]["speedup_2"]
        out["batch_files_per_s_1"] = res["batch"]["files_per_s"]["1"]
        out["batch_files_per_s_2"] = res["batch"]["files_per_s"]["2"]
        out["batch_machine_speedup_2"] = res["batch"]["machine_speedup"]
    if "batch_formats" in res:
        formats = res["batch_formats"]["formats"]
        out["batch_speedup_2_1k"] = formats["json"]["speedup_2"]
        for f in ("sarif", "table"):
            if f in formats:  # the worst --jobs
                out[f"{f}_vs_json"] = max(formats[f]["vs_json"].values())
    if "memory" in res:
        out["rss_growth_mb"] = res["memory"]["rss_growth_mb"]
        out["rss_growth_from_start_mb"] = res["memory"]["rss_growth_from_start_mb"]
        out["rss_peak_mb"] = res["memory"]["rss_peak_mb"]
        out["memory_evals"] = res["memory"]["evals"]
    if "api" in res:
        for lv in res["api"]["levels"]:
            n = lv["clients"]
            out[f"api_ratio_{n}"] = lv["ratio"]
            out[f"api_rps_{n}"] = lv["regulint_rps"]
            out[f"api_p50_ms_{n}"] = lv["regulint_p50_ms"]
            out[f"api_p99_ms_{n}"] = lv["regulint_p99_ms"]
            out[f"api_server_cpu_ms_{n}"] = lv["regulint_cpu_ms"]
            out[f"api_bare_server_cpu_ms_{n}"] = lv["bare_cpu_ms"]
            if n == 64 and lv["regulint_rps"] and lv["bare_rps"]:  # p99 within 1.5x the mean wait
                out["api_p99_bound_64"] = lv["regulint_p99_ms"] / (1.5 * n / lv["regulint_rps"] * 1000)
                # the same for the bare endpoint: the load generator's own floor (<= 1: it can
                # resolve the target)
                out["api_bare_p99_bound_64"] = lv["bare_p99_ms"] / (1.5 * n / lv["bare_rps"] * 1000)
        if out.get("api_p50_ms_1"):
            out["api_p99_over_p50_1"] = out["api_p99_ms_1"] / out["api_p50_ms_1"]
    return out


def table(res: dict[str, Any], summary: dict[str, Any]) -> str:
    lines = [
        "",
        "regulint benchmarks (medians of repetitions; ratios measured side by side in the same run)",
        "",
    ]
    lines.append(f"{'figure':<26} {'measured':>12}  {'target':<30} met")
    lines.append("-" * 76)
    for key, text, test in TARGETS:
        v = summary.get(key)
        met = "-" if v is None or test is None else ("yes" if test(v) else "NO")
        lines.append(f"{key:<26} {_fmt(v):>12}  {text:<30} {met}")
    eng = res.get("engine")
    if eng:
        s = eng["setup"]
        lines += [
            "",
            f"engine: {s['instruments']} instruments, {s['rules']} rules ({s['checks']} checks; durable: "
            f"{s['durable']['rulesets']} C rulesets, {s['durable']['durable_rules']} durable rules); "
            f"generated products from {s['generated_source']}; as_of {s['as_of']}; {s['rounds']} rounds",
            f"differential (before timing): {eng['differential']['products']} products, "
            f"{eng['differential']['subjects']} subjects, 0 differences durable/closures/reference, "
            f"Rego definite sets = durable's; {eng['differential']['violations']} violations in all",
            f"Rego: {s['rego_checks']} checks translated, {s['rego_excluded_checks']} excluded from both sides",
            "",
            f"{'workload':<10} {'level':<7} {'engine':<9} {'evals/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'durable ÷ it':>13} {'(CPU time)':>10}",
        ]
        for wname, w in eng["workloads"].items():
            for level in ("full", "decide"):
                for name, m in w[level].items():
                    lines.append(
                        f"{wname:<10} {level:<7} {name:<9} {m['evals_per_s']:>9,.0f} {m['p50_ms']:>8.3f} "
                        f"{m['p99_ms']:>8.3f} {m['durable_ratio']:>12.2f}x {m['durable_cpu_ratio']:>9.2f}x"
                    )
        lines.append("")
        lines.append("one evaluation of each seed, shipped path (median ms): " + ", ".join(
            f"{k} {v:.2f}" for k, v in eng["seed_eval_median_ms"].items()
        ))  # fmt: skip
        cp = eng["calls_per_product"]
        lines.append(
            f"durable C calls per product: {cp['asserts']:.2f} asserts (+ as many retracts), {cp['starts']:.2f} "
            f"start-actions, {cp['fires']:.2f} fires for {cp['results']:.2f} checks true or unknown "
            f"({cp['redundant_fires']:.2f} redundant, from {len(cp['split_checks'])} checks split over several rules)"
        )
        ins = eng.get("instructions", {})
        if "skipped" in ins:
            lines.append(f"instructions: skipped — {ins['skipped']}")
        elif ins:
            per = ins["instructions_per_product"]
            lines.append(
                f"instructions per product (callgrind, {ins['products']} products): full durable "
                f"{per['durable_full'] / 1e6:.2f} M, closures {per['closures_full'] / 1e6:.2f} M "
                f"(x{ins['engine_instr_ratio']:.2f}); decide durable {per['durable_decide'] / 1e6:.2f} M, closures "
                f"{per['closures_decide'] / 1e6:.2f} M (x{ins['engine_decide_instr_ratio']:.2f})"
            )
    if "cold" in res:
        c = res["cold"]
        lines += [
            "",
            f"cold start {c['cold_start_s']:.3f} s = process + imports {c['import_s']:.3f} s + load/validate "
            f"{c['load_validate_s']:.3f} s + compile {c['compile_s']:.3f} s; CLI: import {c['cli_import_s']:.3f} s, "
            f"--help {c['cli_help_s']:.3f} s, check one seed {_fmt(c['cli_check_one_seed_s'], 3)} s",
        ]
    if "batch" in res:
        b = res["batch"]
        lines.append(
            f"batch: {b['files']} files: --jobs 1 {b['seconds']['1']:.1f} s ({b['files_per_s']['1']:.0f}/s), "
            f"--jobs 2 {b['seconds']['2']:.1f} s ({b['files_per_s']['2']:.0f}/s), speed-up x{b['speedup_2']:.2f} "
            f"(spread {b['speedup_spread'][0]:.2f}-{b['speedup_spread'][1]:.2f}, {b['cpus']} CPUs); "
            f"CPU s {b['cpu_seconds']['1']:.1f} / {b['cpu_seconds']['2']:.1f}, cores used "
            f"{b['parallelism']['1']:.2f} / {b['parallelism']['2']:.2f}; {b['distinct']} distinct descriptions "
            f"from {b['generated_source']}; load average {b['load_average'][0]:.1f}; meanwhile two processes "
            f"ran a trivially parallel loop x{b['machine_speedup']:.2f} faster than one"
        )
    if "batch_formats" in res:
        bf = res["batch_formats"]
        lines.append(f"batch per format ({bf['files']} files, seconds per --jobs, ratio to JSON, speed-up):")
        for f, o in bf["formats"].items():
            lines.append(
                f"  {f:<7} "
                + "  ".join(f"-j{j} {t:6.1f} s x{o['vs_json'][j]:.2f}" for j, t in o["seconds"].items())
                + f"  speed-up x{o['speedup_2']:.2f}"
            )
    if "memory" in res:
        m = res["memory"]
        lines.append(
            f"memory: {m['evals']:,} evaluations, RSS before {m['rss_before_mb']} MB, then "
            + ", ".join(str(s["rss_mb"]) for s in m["samples"])
            + f" MB every {m['every']:,}; growth after warm-up {m['rss_growth_mb']} MB"
        )
    if "api" in res:
        a = res["api"]
        cfg = a["config"]
        lines += [
            "",
            f"API: seed {cfg['seed']}, {cfg['workers']} worker(s), {cfg['seconds']} s per level, history on "
            f"{cfg['database']}, {a['reps']} repetition(s), load generator on the same machine",
            f"{'clients':>7} {'regulint/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'errors':>6} | "
            f"{'bare/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} | ratio",
        ]
        for lv in a["levels"]:
            lines.append(
                f"{lv['clients']:>7} {lv['regulint_rps']:>11,.0f} {lv['regulint_p50_ms']:>8.1f} "
                f"{lv['regulint_p99_ms']:>8.1f} {lv['regulint_cpu_ms']:>7.2f} {lv['regulint_errors']:>6} | "
                f"{lv['bare_rps']:>8,.0f} {lv['bare_p50_ms']:>8.1f} {lv['bare_p99_ms']:>8.1f} "
                f"{lv['bare_cpu_ms']:>7.2f} | {lv['ratio']:.2f}"
            )
        lines.append("CPU ms: the server's CPU time per answer (bench/api_bench.py; no client skews it)")
        from bench.api_bench import phases_line

        lines += [
            phases_line(lv["clients"], lv["regulint_server_phases"])
            for lv in a["levels"]
            if lv.get("regulint_server_phases")
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (< 60 s)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    parser.add_argument("--skip", action="append", default=[], choices=SECTIONS, help="skip a section")
    parser.add_argument("--only", action="append", default=[], choices=SECTIONS, help="run only these")
    parser.add_argument("--products", type=int, help="generated products for the engine (default 500)")
    parser.add_argument("--rounds", type=int, help="engine rounds (default 5)")
    parser.add_argument(
        "--generator", default="auto", choices=("auto", "testing", "bench"),
        help="engine products from engine.testing.strategies's strategy or bench.products (default: the first there is)",
    )  # fmt: skip
    parser.add_argument("--cold-reps", type=int, help="cold-start subprocesses (default 5)")
    parser.add_argument("--batch-files", type=int, help="descriptions for the batch (default 10000)")
    parser.add_argument("--batch-reps", type=int, help="batch repetitions (default 3)")
    parser.add_argument(
        "--batch-format-files", type=int, help="descriptions per output format (default 1000)"
    )
    parser.add_argument("--memory-evals", type=int, help="evaluations for memory (default 100000)")
    parser.add_argument("--api-seconds", type=float, help="seconds per API level (default 5)")
    parser.add_argument("--api-reps", type=int, help="API repetitions (default 3)")
    parser.add_argument("--api-clients", type=int, nargs="+", help="API client counts (default 1 16 64)")
    parser.add_argument("--api-workers", type=int, default=1, help="`regulint serve --workers` (default 1)")
    args = parser.parse_args(argv)

    q = args.quick
    cfg = {
        "products": args.products or (30 if q else 500),
        "rounds": args.rounds or (2 if q else 5),
        "instr_products": 30,  # generated products beside the seeds, under callgrind
        "seed_repeats": 10 if q else 200,
        "seed_items": 30 if q else 200,
        "cold_reps": args.cold_reps or (2 if q else 5),
        "batch_files": args.batch_files or (100 if q else 10_000),
        "batch_reps": args.batch_reps or (1 if q else 3),
        "batch_format_files": args.batch_format_files or (60 if q else 1000),
        "memory_evals": args.memory_evals or (1_000 if q else 100_000),
        "api_seconds": args.api_seconds or (0.8 if q else 5.0),
        "api_reps": args.api_reps or (1 if q else 3),
        "api_clients": tuple(args.api_clients or ((1, 64) if q else (1, 16, 64))),
    }
    if 1 not in cfg["api_clients"]:  # the single-client latency target (api_p99_over_p50_1)
        cfg["api_clients"] = (1, *cfg["api_clients"])
    if 64 not in cfg["api_clients"]:
        cfg["api_clients"] = (*cfg["api_clients"], 64)
    sections = [s for s in (args.only or SECTIONS) if s not in args.skip]
    t0 = time.perf_counter()
    load: dict[str, tuple[float, ...]] = {"start": os.getloadavg()}
    res: dict[str, Any] = {}
    if "engine" in sections:
        from bench import engine_bench

        try:
            res["engine"] = engine_bench.run(
                cfg["products"],
                cfg["rounds"],
                source=args.generator,
                seed_repeats=cfg["seed_repeats"],
                seed_items=cfg["seed_items"],
                log=_log,
            )
        except engine_bench.DifferentialFailure as exc:
            print(str(exc), file=sys.stderr)
            return 1
        if q:
            res["engine"]["instructions"] = {"skipped": "--quick: no callgrind run (it takes minutes)"}
        else:
            from bench import instructions

            _log("engine: instruction counts under callgrind (a few minutes)…")
            res["engine"]["instructions"] = instructions.measure(cfg["instr_products"])
        if "skipped" in res["engine"]["instructions"]:
            _log(f"engine: instruction counts skipped: {res['engine']['instructions']['skipped']}")
    from bench import system_bench

    if "cold" in sections:
        res["cold"] = system_bench.cold_start(cfg["cold_reps"], log=_log)
    if "batch" in sections:
        res["batch"] = system_bench.batch(
            cfg["batch_files"], cfg["batch_reps"], source="bench" if q else args.generator, log=_log
        )
        res["batch_formats"] = system_bench.batch_formats(
            cfg["batch_format_files"], cfg["batch_reps"], source="bench" if q else args.generator, log=_log
        )
    if "memory" in sections:
        every = max(1, cfg["memory_evals"] // 10)
        res["memory"] = system_bench.memory(cfg["memory_evals"], every, log=_log)
    if "api" in sections:
        res["api"] = _api(cfg["api_clients"], cfg["api_seconds"], cfg["api_reps"], args.api_workers)

    load["end"] = os.getloadavg()
    summary = summarise(res)
    summary["targets_met"] = {
        key: bool(test(summary[key])) for key, _, test in TARGETS if test is not None and key in summary
    }
    summary["run"] = {
        "quick": q,
        "config": cfg,
        "sections": sections,
        "seconds": round(time.perf_counter() - t0, 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average": load,  # other work on the machine competes with every figure
    }
    print(table(res, summary))
    la = summary["run"]["load_average"]
    print(
        f"\n(total {summary['run']['seconds']} s on {os.cpu_count()} CPUs; load average at start "
        f"{la['start'][0]:.1f}, at end {la['end'][0]:.1f})"
    )
    if args.json:
        print(json.dumps({**summary, "details": res}, default=str, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
