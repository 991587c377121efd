"""Memory over many evaluations in one process: RSS (psutil) sampled every ``every`` evaluations.

Run in a fresh subprocess by ``python -m bench`` (so nothing else the bench did is counted):

    python -m bench.memory --evals 100000 --every 10000

Prints one JSON object: RSS before the first evaluation, after each ``every`` evaluations, and
the growth. The products cycle over the seeds and generated descriptions through the shipped
path (:meth:`Evaluator.evaluate`, durable_rules).
"""

from __future__ import annotations

import argparse
import gc
import json
import time

import psutil


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evals", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=200)
    args = parser.parse_args(argv)

    from bench.engine_bench import AS_OF
    from bench.products import generated, load_seeds
    from engine.evaluate.evaluator import default_evaluator
    from engine.facts.product import Product

    proc = psutil.Process()
    mb = 1024 * 1024
    ev = default_evaluator()
    _, gen = generated(args.products, ev.ruleset, seed=1, source="bench")
    pool = [Product.model_validate(d) for _, d in load_seeds()] + [Product.model_validate(d) for d in gen]
    gc.collect()
    before = proc.memory_info().rss / mb
    samples = []
    t0 = time.perf_counter()
    n = len(pool)
    for i in range(1, args.evals + 1):
        ev.evaluate(pool[i % n], AS_OF)
        if i % args.every == 0:
            gc.collect()
            samples.append({"evals": i, "rss_mb": round(proc.memory_info().rss / mb, 2)})
    seconds = time.perf_counter() - t0
    first, last = samples[0]["rss_mb"], samples[-1]["rss_mb"]
    print(
        json.dumps(
            {
                "evals": args.evals,
                "every": args.every,
                "pool": n,
                "rss_before_mb": round(before, 2),
                "samples": samples,
                "rss_peak_mb": max(s["rss_mb"] for s in samples),
                # growth after the first sample (warm-up: caches, allocator arenas) to the last
                "rss_growth_mb": round(last - first, 2),
                "rss_growth_from_start_mb": round(last - before, 2),
                "seconds": round(seconds, 2),
                "evals_per_s": round(args.evals / seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
