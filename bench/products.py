"""Benchmark workloads: the seeds, and generated product descriptions.

Generated descriptions come from ``engine.testing.strategies`` when it offers a ``products`` strategy
(hypothesis, generate phase only), else from :func:`generate`, a seeded generator that walks
the pydantic model (so it follows the model as fields are added) and biases values towards
the constants the shipped rules test (so rules fire, as they would on real descriptions).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from engine.core import taxonomy
from engine.facts.product import Product
from engine.law import conditions

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "seeds"

PLACES = ["CN", "EU", "US-CA", "DE", "IE", "FR", "US", "JP", "GB", "SG", "US-NY"]
MARKETS = ["CN", "EU", "US-CA", "DE", "FR", "IE", "US", "JP"]
CURRENCIES = ["USD", "EUR", "CNY"]
NAMES = ["Avatar Studio", "Ünïcödé Façade", "头像工作室", "Kids 🎮 Quest", "voice-clone", "x"]


def load_seeds() -> list[tuple[str, dict[str, Any]]]:
    """(file name, description) for every seeds/*.json that validates (others are skipped)."""
    out = []
    for path in sorted(SEEDS_DIR.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            Product.model_validate(data)
        except Exception:  # noqa: BLE001 - a seed being written concurrently may not parse yet
            continue
        out.append((path.name, data))
    return out


def rule_constants(ruleset: Any) -> dict[str, list[Any]]:
    """Constants each leaf field name is tested against in the rules (field name -> values)."""
    out: dict[str, set[Any]] = {}
    for cond in [r.when for r in ruleset.rules] + [i.scope for i in ruleset.instruments]:
        for atom in conditions.atoms(cond):
            leaf = atom.fact.rsplit(".", 1)[-1]
            values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
            for v in values:
                if isinstance(v, bool) or v is None:
                    continue
                bucket = out.setdefault(leaf, set())
                if isinstance(v, int | float):
                    bucket.update({v, v + 1, max(0, v - 1)} if isinstance(v, int) else {v})
                else:
                    bucket.add(v)
    return {k: sorted(v, key=repr) for k, v in out.items()}


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(inner type, optional?, constraint metadata)."""
    optional = False
    meta: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            for m in args[1:]:
                meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional, meta


def _bounds(meta: list[Any]) -> tuple[float, float]:
    lo, hi = float("-inf"), float("inf")
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            lo = max(lo, m.ge)
        elif isinstance(m, annotated_types.Gt):
            lo = max(lo, m.gt + (1 if isinstance(m.gt, int) else 1e-9))
        elif isinstance(m, annotated_types.Le):
            hi = min(hi, m.le)
        elif isinstance(m, annotated_types.Lt):
            hi = min(hi, m.lt - 1)
    return lo, hi


class Generator:
    """Random valid product descriptions (dicts), deterministic for a seed."""

    def __init__(self, ruleset: Any = None, seed: int = 0):
        self.rng = random.Random(seed)
        self.consts = rule_constants(ruleset) if ruleset is not None else {}
        self.cats = sorted(taxonomy.keys("data_category"))
        self.uses = sorted(taxonomy.keys("data_use"))
        self.subjects = sorted(taxonomy.keys("data_subject"))
        self.serial = 0

    # --- leaves -----------------------------------------------------------------------------
    def _taxonomy(self, name: str, many: bool) -> Any:
        pool = {"data_categories": self.cats, "purpose": self.uses, "data_subjects": self.subjects}[name]
        known = set(pool)
        hot = [c for c in self.consts.get("purposes" if name == "purpose" else name, []) if c in known]
        hot = hot or pool

        def one() -> str:
            return self.rng.choice(hot if self.rng.random() < 0.7 else pool)

        if not many:
            return one()
        return sorted({one() for _ in range(self.rng.randint(1, 4))})

    def _number(self, name: str, inner: Any, meta: list[Any]) -> Any:
        lo, hi = _bounds(meta)
        hot = [v for v in self.consts.get(name, []) if isinstance(v, int | float) and not isinstance(v, bool)]
        if hot and self.rng.random() < 0.7:
            v = self.rng.choice(hot)
        elif inner is float:
            v = self.rng.choice([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
        else:
            v = self.rng.choice([0, 1, 12, 16, 30, 365, 1000, 10_000, 100_000, 1_000_000, 100_000_000])
        v = min(max(v, lo), hi)
        return float(v) if inner is float else int(v)

    def _value(self, name: str, annotation: Any, depth: int) -> Any:
        inner, _optional, meta = _unwrap(annotation)
        origin = typing.get_origin(inner)
        rng = self.rng
        if name in ("data_categories", "data_subjects"):
            return self._taxonomy(name, many=True)
        if name == "purpose":
            return self._taxonomy(name, many=False)
        if name == "markets":
            return sorted(set(rng.sample(MARKETS, rng.randint(1, 3))))
        if name in ("establishments",):
            return sorted(set(rng.sample(PLACES, rng.randint(0, 2))))
        if name in ("headquarters", "to", "country"):
            return rng.choice(PLACES)
        if name == "users_by_market":
            return {
                m: rng.choice([0, 1000, 100_000, 5_000_000]) for m in rng.sample(["CN", "EU", "US-CA"], 2)
            }
        if name == "currency":
            return rng.choice(CURRENCIES)
        if name == "amount":
            return rng.choice([0, 1_000_000, 25_000_000, 30_000_000, 120_000_000, 10**10])
        if name == "emotion_recognition_context":
            return rng.choice(["workplace", "education", "other"])
        if name in ("id", "name"):
            self.serial += 1
            return f"{rng.choice(NAMES)}-{self.serial}"
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return self._model(inner, depth + 1)
        if origin is list:
            (item,) = typing.get_args(inner)
            item_inner, _, _ = _unwrap(item)
            if isinstance(item_inner, type) and issubclass(item_inner, Enum):
                values = [e.value for e in item_inner]
                return sorted(set(rng.sample(values, rng.randint(0, min(4, len(values))))))
            if isinstance(item_inner, type) and issubclass(item_inner, BaseModel):
                hi = {"data_practices": 4, "transfers": 3, "recipients": 3}.get(name, 2)
                lo = 1 if name == "data_practices" else 0
                return [self._model(item_inner, depth + 1) for _ in range(rng.randint(lo, hi))]
            return []
        if inner is bool:
            return rng.random() < 0.5
        if isinstance(inner, type) and issubclass(inner, Enum):
            hot = [v for v in self.consts.get(name, []) if v in {e.value for e in inner}]
            return rng.choice(hot if hot and rng.random() < 0.5 else [e.value for e in inner])
        if inner in (int, float) or inner is Decimal:
            return self._number(name, int if inner is Decimal else inner, meta)
        if inner is str:
            return rng.choice(NAMES)
        if inner is dt.date:
            return rng.choice(["2018-05-25", "2023-08-28", "2026-01-01", "2026-08-02"])
        raise TypeError(f"no generator for {name}: {inner!r}")

    def _model(self, model: type[BaseModel], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in model.model_fields.items():
            if name == "schema_version":
                continue
            _, optional, _ = _unwrap(field.annotation)
            if not field.is_required() and self.rng.random() < 0.25:
                continue  # leave the default (or unknown)
            if optional and self.rng.random() < 0.1:
                out[name] = None
                continue
            out[name] = self._value(name, field.annotation, depth)
        return out

    def product(self) -> dict[str, Any]:
        """One description that validates (retries the rare draw that does not)."""
        for _ in range(50):
            data = self._model(Product, 0)
            for n, p in enumerate(data.get("data_practices", [])):
                p["id"] = f"practice-{n}"
            try:
                Product.model_validate(data)
            except Exception:  # noqa: BLE001
                continue
            return data
        raise RuntimeError("the generator could not produce a valid description")


@contextlib.contextmanager
def _no_source_constants() -> Iterator[None]:
    """Hypothesis also draws constants it finds in the source of the modules loaded, so any edit
    anywhere in engine/ changed the bench's sample and figures of two commits were not comparable.
    Within this block it finds none (a private hook: where it is missing, nothing changes)."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - another Hypothesis
        yield
        return
    found = getattr(providers, "_get_local_constants", None)
    empty = getattr(providers, "Constants", None)
    if found is None or empty is None:
        yield
        return
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", {})
    providers._get_local_constants = empty  # type: ignore[attr-defined]
    cache.clear()  # the values allowed per choice, cached with the source's constants
    try:
        yield
    finally:
        providers._get_local_constants = found  # type: ignore[attr-defined]
        cache.clear()


def _from_testing(n: int, seed: int) -> list[dict[str, Any]] | None:
    """Descriptions drawn from engine.testing.strategies's strategy, if it has one."""
    try:
        from engine.testing import strategies as testing
    except Exception:  # noqa: BLE001
        return None
    strategy = None
    for name in ("product_descriptions", "descriptions", "product_dicts", "products"):
        factory = getattr(testing, name, None)
        if callable(factory):
            try:
                strategy = factory()
                break
            except TypeError:
                continue
    if strategy is None:
        return None
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    drawn: list[dict[str, Any]] = []

    @hseed(seed)
    @settings(
        max_examples=n, phases=[Phase.generate], database=None, deadline=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(strategy)
    def collect(value: Any) -> None:
        if isinstance(value, Product):
            value = value.model_dump(mode="json", exclude_none=False)
        if isinstance(value, dict):
            drawn.append(value)

    try:
        with _no_source_constants():
            collect()
    except Exception:  # noqa: BLE001 - a strategy under construction must not break the bench
        return None
    valid = []
    for d in drawn:
        try:
            Product.model_validate(d)
            valid.append(d)
        except Exception:  # noqa: BLE001
            continue
    return valid or None


def generated(
    n: int, ruleset: Any = None, seed: int = 0, source: str = "auto"
) -> tuple[str, list[dict[str, Any]]]:
    """(where they came from, ``n`` generated descriptions)."""
    if source in ("auto", "testing"):
        got = _from_testing(n, seed)
        if got:
            # top up with our own if hypothesis produced fewer distinct examples than asked
            gen = Generator(ruleset, seed)
            while len(got) < n:
                got.append(gen.product())
            return "engine.testing.strategies", got[:n]
        if source == "testing":
            raise RuntimeError("engine.testing.strategies has no usable product strategy")
    gen = Generator(ruleset, seed)
    return "bench.products", [gen.product() for _ in range(n)]
