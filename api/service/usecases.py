"""Evaluate and store: what POST /v1/evaluations (and /batch) do, apart from HTTP.

A route takes :class:`EvaluateAndStore` as a dependency (:data:`api.service.deps.EvaluateAndStoreDep`),
has it :meth:`~EvaluateAndStore.prepare` the request's body (the CPU part: parse, validate,
evaluate, serialise; in a worker thread unless :meth:`~EvaluateAndStore.prepares_quickly`) and then awaits :meth:`~EvaluateAndStore.store` (the commit,
grouped with other requests' by :mod:`api.service.commits`); it answers the :class:`Stored` result. Each evaluation's answer
is the :class:`~api.service.schemas.StoredReport` — the report with the ``id`` and ``created_at``
it is stored under — serialised once: the same bytes are the response body and the stored
``report_json``, so what is stored is byte for byte what was answered.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic_core import to_json

from api.service.db import IdempotencyConflict, IdempotentRequest, NewEvaluation, Repository
from api.service.documents import YAML_TYPES, media_type, parse_body, validate_batch, validate_description
from api.service.idempotency import check_same_request
from api.service.problems import ProblemError
from api.service.schemas import StoredReport
from api.service.settings import Settings
from api.service.tables import EvaluationRow
from engine.decide.protocol import EngineError
from engine.evaluate.evaluator import Evaluator
from engine.evaluate.scope import MarketSelectionError
from engine.facts.inputs import InputIssue
from engine.facts.product import Product
from engine.report.model import Report, report_json

log = logging.getLogger("regulint.api")

#: A JSON description up to this size is prepared in a few milliseconds: on the event loop that
#: costs less than the hand-off to a worker thread and back (~0.6 ms of CPU per request at 64
#: clients on one worker, measured with bench/api_bench.py), and the loop is held only that long.
QUICK_BODY_BYTES = 16 * 1024


@dataclass(frozen=True)
class EvaluationParams:
    """The query of an evaluation: the as-of date (None: today, UTC) and the markets (None: all)."""

    as_of: dt.date | None
    markets: list[str] | None


@dataclass(frozen=True)
class Answer:
    """One evaluation as answered: its id (None when not stored) and its JSON."""

    id: uuid.UUID | None
    body: bytes


@dataclass(frozen=True)
class Stored:
    """What a POST answers: the batch id (None for one description), each evaluation's answer,
    and whether it is the stored result of an earlier request with the same Idempotency-Key."""

    batch_id: uuid.UUID | None
    answers: list[Answer]
    replayed: bool = False


@dataclass(frozen=True)
class Prepared:
    """A request evaluated, not yet stored: its answer and the rows to commit (none for a replay
    or with ``store=false``), under its Idempotency-Key."""

    stored: Stored
    records: list[NewEvaluation]
    idempotent: IdempotentRequest | None = None


def stored_report_json(report: Report, ident: uuid.UUID | None, created_at: dt.datetime | None) -> bytes:
    """The report with the ``id`` and ``created_at`` it is stored under (None: not stored), as JSON."""
    fields = {name: getattr(report, name) for name in type(report).model_fields}
    return report_json(StoredReport.model_construct(id=ident, created_at=created_at, **fields))


def batch_result_json(stored: Stored) -> bytes:
    """A batch's answer (:class:`~api.service.schemas.BatchResult`) around its reports' JSON."""
    head = b'{"batch_id":' + to_json(str(stored.batch_id)) + b',"count":' + to_json(len(stored.answers))
    return head + b',"items":[' + b",".join(a.body for a in stored.answers) + b"]}"


#: How a stored answer ends: the id and time :class:`~api.service.schemas.StoredReport` adds after
#: the report's own fields (compact JSON, as :func:`stored_report_json` writes it).
_STAMP = re.compile(rb',"id":(?:"(?P<id>[0-9a-f-]{36})"|null),"created_at":(?:"[^"\\]*"|null)\}\Z')


def _split_stamp(stored: bytes) -> tuple[bytes, str | None] | None:
    """A stored answer without its trailing id and time, and the id; None if it does not end so."""
    found = _STAMP.search(stored, max(0, len(stored) - 160))
    if found is None:
        return None
    ident = found.group("id")
    return stored[: found.start()] + b"}", ident.decode() if ident else None


def evaluation_record_json(row: EvaluationRow, summary: dict[str, Any]) -> bytes:
    """A stored evaluation in full (:class:`~api.service.schemas.EvaluationRecord`): its summary,
    the ruleset digests, the document as submitted and the report (without the id and time the
    record already carries). The stored JSON is put in place as it is, not parsed again."""
    stored = row.report_bytes
    split = _split_stamp(stored)
    if split is not None:
        report = split[0]
    else:  # a row stored before answers were kept whole (a bare report), or of another shape
        parsed = json.loads(stored)
        parsed.pop("id", None)
        parsed.pop("created_at", None)
        report = to_json(parsed)
    head = to_json({**summary, "rulesets": row.rulesets})
    return b"".join((head[:-1], b',"input":', row.input_json.encode(), b',"report":', report, b"}"))


def input_json(data: Any) -> str:
    """The submitted description as stored: compact JSON, non-ASCII kept."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def stored_answer(row: EvaluationRow) -> bytes:
    """A stored evaluation's answer as first given (what a repeated Idempotency-Key answers).

    Rows stored before answers were kept whole hold the bare report: their answer is rebuilt
    from the report with the row's id and time."""
    stored = row.report_bytes
    split = _split_stamp(stored)
    if split is not None and split[1] == str(row.id):
        return stored
    report = json.loads(stored)
    if report.get("id") == str(row.id):
        return stored
    return to_json({"id": str(row.id), "created_at": row.created_at.isoformat(), **report})


@dataclass(frozen=True)
class EvaluateAndStore:
    """Evaluate product descriptions and store the reports, all or none, in one transaction."""

    evaluator: Evaluator
    repository: Repository
    settings: Settings

    def prepares_quickly(
        self, body: bytes, content_type: str | None, idempotent: IdempotentRequest | None
    ) -> bool:
        """Whether :meth:`prepare` of one description is short enough to run on the event loop: a
        small JSON body with no Idempotency-Key (a replay reads the database; YAML parses slower)."""
        return (
            idempotent is None
            and len(body) <= QUICK_BODY_BYTES
            and media_type(content_type) not in YAML_TYPES
        )

    def prepare(
        self,
        body: bytes,
        content_type: str | None,
        params: EvaluationParams,
        idempotent: IdempotentRequest | None,
        *,
        batch: bool,
        store: bool = True,
    ) -> Prepared:
        """The CPU part of a request (run it in a worker thread): parse, validate, evaluate and
        serialise — or, for a repeated Idempotency-Key, the stored result."""
        earlier = self.replay(idempotent)
        if earlier is not None:
            return Prepared(earlier, [])
        data = parse_body(body, content_type)
        limits = self.settings.input_limits
        if batch:
            items = validate_batch(data, self.settings.max_batch_items, limits)
            batch_id: uuid.UUID | None = uuid.uuid4()
        else:
            items = [(data, validate_description(data, limits))]
            batch_id = None
        answers, records = self.evaluate(items, params, batch_id, store=store)
        return Prepared(Stored(batch_id, answers), records, idempotent)

    async def store(self, prepared: Prepared) -> Stored:
        """Commit what :meth:`prepare` made (with whatever else is queued: group commit) and answer
        once it is on disk; a concurrent request that stored the same Idempotency-Key first wins."""
        if prepared.records:
            try:
                await self.repository.add_all_async(prepared.records, prepared.idempotent)
            except IdempotencyConflict:
                replayed = await asyncio.to_thread(self.replay, prepared.idempotent)
                if replayed is None:  # pragma: no cover - the conflicting row is committed
                    raise
                return replayed
        return prepared.stored

    def replay(self, idempotent: IdempotentRequest | None) -> Stored | None:
        """The stored result of an earlier request with this Idempotency-Key, if there is one."""
        if idempotent is None:
            return None
        found = self.repository.idempotent(idempotent.key)
        if found is None:
            return None
        head, rows = found
        check_same_request(head, idempotent)
        return Stored(head.batch_id, [Answer(r.id, stored_answer(r)) for r in rows], replayed=True)

    def evaluate_and_store(
        self,
        items: list[tuple[Any, Product]],
        params: EvaluationParams,
        batch_id: uuid.UUID | None = None,
        idempotent: IdempotentRequest | None = None,
    ) -> list[Answer]:
        """Evaluate every product, then store all in one transaction (none if anything fails)."""
        answers, records = self.evaluate(items, params, batch_id)
        self.repository.add_all(records, idempotent)
        return answers

    def evaluate(
        self,
        items: list[tuple[Any, Product]],
        params: EvaluationParams,
        batch_id: uuid.UUID | None = None,
        *,
        store: bool = True,
    ) -> tuple[list[Answer], list[NewEvaluation]]:
        """Every product's answer and, when ``store``, the record to store it as.

        Stops as soon as the answers pass ``max_response_bytes`` (nothing is stored then)."""
        created = dt.datetime.now(dt.UTC)
        as_of = params.as_of or created.date()
        limit = self.settings.max_response_bytes
        records: list[NewEvaluation] = []
        answers: list[Answer] = []
        size = 0
        for n, (data, product) in enumerate(items):
            report = self._evaluate(product, as_of, params, n if batch_id else None)
            ident = uuid.uuid4() if store else None
            body = stored_report_json(report, ident, created if store else None)
            size += len(body)
            if size > limit:
                raise ProblemError(
                    422,
                    f"the reports would pass {limit} bytes (REGULINT_MAX_RESPONSE_BYTES) at "
                    f"description {n + 1} of {len(items)}; send fewer or smaller descriptions. Nothing was stored.",
                    slug="response-too-large",
                    title="Response too large",
                )
            answers.append(Answer(ident, body))
            if ident is not None:
                records.append(
                    NewEvaluation(
                        id=ident,
                        created_at=created,
                        input_json=input_json(data),
                        report=report,
                        report_json=body,
                        requested_markets=params.markets,
                        batch_id=batch_id,
                    )
                )
        return answers, records

    def _evaluate(
        self, product: Product, as_of: dt.date, params: EvaluationParams, item: int | None
    ) -> Report:
        try:
            return self.evaluator.evaluate(product, as_of, params.markets)
        except MarketSelectionError as exc:
            where = f"[{item}]" if item is not None else ""
            raise ProblemError(
                422,
                f"{where}{' ' if where else ''}{exc}: nothing would be evaluated",
                slug="invalid-parameter",
                title="Invalid parameter",
                errors=[
                    InputIssue(
                        "query.market",
                        f"selects none of the product's markets{' (item ' + where + ')' if where else ''}",
                        "one of " + ", ".join(exc.product_markets) + " (or a market containing one)",
                        ", ".join(exc.selected),
                    )
                ],
            ) from None
        except EngineError:
            log.exception("the engine failed on product %r", product.id)
            raise ProblemError(
                500,
                "the rules engine could not evaluate this description; nothing was stored",
                slug="engine-error",
                title="Engine error",
            ) from None
