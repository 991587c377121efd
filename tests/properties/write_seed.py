"""Rewrite ``seeds/compliant-<market>.json`` with a description compliant in MARKET on every
boundary day (run from the checkout: ``python tests/properties/write_seed.py MARKET``)."""

from __future__ import annotations

import json
import sys
import warnings

from engine.testing.repair import compliant_seed, seed_path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/properties/write_seed.py MARKET", file=sys.stderr)
        return 2
    market = argv[0].upper()
    warnings.simplefilter("ignore")
    doc = compliant_seed(market)
    seed_path(market).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {seed_path(market)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
