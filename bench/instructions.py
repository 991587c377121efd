"""Instruction counts of the engine (callgrind): durable_rules next to the compiled closures.

Wall-clock ratios move with the load of a shared machine; instructions do not. A subprocess
(``python -m bench.instructions --probe FILE``) builds both evaluators, evaluates a fixed sample
of products once to warm up, then runs four windows — full evaluation with durable, with the
closures, decide alone with durable, with the closures — each opened by ``os.getppid()`` and
closed by ``os.getpgrp()``: callgrind zeroes its counters on entering ``os_getppid`` and dumps
them on entering ``os_getpgrp`` (``--zero-before`` / ``--dump-before``), so each dump holds
exactly one window. The sample is written by the parent (seeds and generated descriptions, as
JSON), so the probe does no generation under valgrind.

Without valgrind :func:`measure` returns ``{"skipped": <why>}``; the bench reports that and
leaves the ``*_instr_ratio`` keys out.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 30)
WINDOWS = ("durable_full", "closures_full", "durable_decide", "closures_decide")


def _probe(sample_file: str) -> None:
    """Run inside callgrind: warm up, then one zeroed-and-dumped window per entry of WINDOWS."""
    from bench.closures import ClosureEngine
    from bench.engine_bench import with_decider
    from engine.evaluate.evaluator import Evaluator, checks_of
    from engine.facts.product import Product
    from engine.facts.registry import build_subjects
    from engine.law.loader import load_rulesets

    products = [Product.model_validate(d) for d in json.loads(Path(sample_file).read_text())]
    ruleset = load_rulesets()
    durable = Evaluator(ruleset)
    closure_decider = ClosureEngine(checks_of(ruleset, ruleset.epoch_of(AS_OF)))
    closures = with_decider(ruleset, closure_decider)
    subjects = [build_subjects(p, AS_OF) for p in products]
    durable_decider = durable.decider_at(AS_OF)
    runs = {
        "durable_full": lambda: [durable.evaluate(p, AS_OF) for p in products],
        "closures_full": lambda: [closures.evaluate(p, AS_OF) for p in products],
        "durable_decide": lambda: [durable_decider.decide(s) for s in subjects],
        "closures_decide": lambda: [closure_decider.decide(s) for s in subjects],
    }
    for name in WINDOWS:  # warm-up: caches, compiled epochs, first-call costs
        runs[name]()
    for name in WINDOWS:
        os.getppid()  # callgrind: zero
        runs[name]()
        os.getpgrp()  # callgrind: dump


def sample(n_generated: int, seed: int = 0) -> list[dict[str, Any]]:
    """The fixed sample: every seed and ``n_generated`` generated descriptions."""
    from bench.products import generated, load_seeds
    from engine.law.loader import load_rulesets

    _, gen = generated(n_generated, load_rulesets(), seed=seed)
    return [d for _, d in load_seeds()] + gen


def measure(n_generated: int = 30, timeout: float = 900.0) -> dict[str, Any]:
    """Instructions per product of each window, and durable's ratios to the closures."""
    valgrind = shutil.which("valgrind")
    if not valgrind:
        return {"skipped": "valgrind is not installed (apt-get install valgrind); no instruction counts"}
    products = sample(n_generated)
    with tempfile.TemporaryDirectory(prefix="regulint-callgrind-") as tmp:
        sample_file = Path(tmp, "sample.json")
        sample_file.write_text(json.dumps(products))
        out = Path(tmp, "cg.out")
        cmd = [
            valgrind, "--tool=callgrind", f"--callgrind-out-file={out}",
            "--zero-before=os_getppid", "--dump-before=os_getpgrp",
            sys.executable, "-m", "bench.instructions", "--probe", str(sample_file),
        ]  # fmt: skip
        env = dict(os.environ, PYTHONHASHSEED="0")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        if proc.returncode != 0:
            return {"skipped": f"callgrind run failed ({proc.returncode}): {proc.stderr[-500:]}"}
        totals = []
        for part in range(1, len(WINDOWS) + 1):
            dump = Path(f"{out}.{part}")
            if not dump.exists():
                return {"skipped": f"callgrind wrote no dump {dump.name}: the window markers did not trigger"}
            summary = [line for line in dump.read_text().splitlines() if line.startswith("summary:")]
            totals.append(int(summary[0].split()[1]))
    per = {name: total / len(products) for name, total in zip(WINDOWS, totals, strict=True)}
    return {
        "products": len(products),
        "instructions_per_product": per,
        # as engine_ratio: the closures' cost ÷ durable's (1.0 = as cheap as the closures)
        "engine_instr_ratio": per["closures_full"] / per["durable_full"],
        "engine_decide_instr_ratio": per["closures_decide"] / per["durable_decide"],
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--probe":
        _probe(sys.argv[2])
    else:
        print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 30), indent=2))
