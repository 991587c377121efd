"""Portfolio re-evaluation as background jobs stored in the history database.

A job re-runs the newest evaluation of every stored product (its document and requested markets)
against the rulesets loaded now, stores each new report (under the job's id as ``batch_id``) and
records which rules each product now violates or no longer violates. Items are claimed in small
chunks: on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite too each item is taken
by an update that still requires it unclaimed, so any number of server processes share the work
and none runs an item twice. An item claimed by a worker that died is claimed again after
``STALE_AFTER``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update

from api.service.db import NewEvaluation, Repository
from api.service.tables import JobItemRow, JobRow
from api.service.usecases import stored_report_json
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import InputError, product_from_data

log = logging.getLogger("regulint.api.jobs")

CHUNK = 10
STALE_AFTER = dt.timedelta(minutes=10)
MAX_LISTED_ITEMS = 1000


def _key(v: dict[str, Any]) -> str:
    subject = v.get("subject") or {}
    return f"{v['rule_id']}|{subject.get('kind', '')}:{subject.get('id', '')}"


def finding_delta(before: dict[str, Any], after: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Rule ids violated only after (added) and only before (removed), each once, sorted."""
    b = {_key(v): v["rule_id"] for v in before.get("violations", [])}
    a = {_key(v): v["rule_id"] for v in after.get("violations", [])}
    added = sorted({a[k] for k in a.keys() - b.keys()})
    removed = sorted({b[k] for k in b.keys() - a.keys()})
    return added, removed


def create_job(repo: Repository, as_of: dt.date, ruleset_digest: str) -> uuid.UUID:
    """Queue the newest evaluation of every stored product; returns the job id."""
    latest = repo.latest_per_product()
    job_id = uuid.uuid4()
    with repo._write_lock, repo._sessions.begin() as session:
        session.add(
            JobRow(
                id=job_id,
                created_at=dt.datetime.now(dt.UTC),
                as_of=as_of,
                ruleset_digest=ruleset_digest,
                total=len(latest),
            )
        )
        session.flush()
        session.add_all(
            JobItemRow(job_id=job_id, product_id=row.product_id, source_id=row.id, status="queued")
            for row in latest
        )
    return job_id


def claim(repo: Repository, limit: int = CHUNK) -> list[JobItemRow]:
    """Mark up to ``limit`` queued (or stale running) items as running and return them.

    Each is claimed by an update that still requires it claimable, and kept only if that update
    changed it: on SQLite another process may claim an item between this one's read and its
    write (no ``SKIP LOCKED``, and the driver begins the transaction at the first write)."""
    now = dt.datetime.now(dt.UTC)
    claimable = or_(
        JobItemRow.status == "queued",
        (JobItemRow.status == "running") & (JobItemRow.claimed_at < now - STALE_AFTER),
    )
    query = (
        select(JobItemRow.job_id, JobItemRow.product_id)
        .where(claimable)
        .order_by(JobItemRow.job_id, JobItemRow.product_id)
        .limit(limit)
    )
    if repo.backend == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with repo._write_lock, repo._sessions.begin() as session:
        won = []
        for job_id, product_id in session.execute(query).all():
            taken = session.execute(
                update(JobItemRow)
                .where(JobItemRow.job_id == job_id, JobItemRow.product_id == product_id, claimable)
                .values(status="running", claimed_at=now)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                won.append((job_id, product_id))
        return [session.get_one(JobItemRow, key) for key in won]


def _run_item(repo: Repository, evaluator: Evaluator, job: JobRow, item: JobItemRow) -> None:
    source = repo.get(item.source_id)
    values: dict[str, Any]
    try:
        if source is None:
            raise LookupError(f"evaluation {item.source_id} is gone")
        data = json.loads(source.input_json)
        report = evaluator.evaluate(product_from_data(data), job.as_of, source.requested_markets)
        new_id, created = uuid.uuid4(), dt.datetime.now(dt.UTC)
        report_json = stored_report_json(report, new_id, created)
        repo.add_all([
            NewEvaluation(
                id=new_id,
                created_at=created,
                input_json=source.input_json,
                report=report,
                report_json=report_json,
                requested_markets=source.requested_markets,
                batch_id=job.id,
            )
        ])  # fmt: skip
        added, removed = finding_delta(json.loads(source.report_json), json.loads(report_json))
        values = {"status": "done", "result_id": new_id, "added": added, "removed": removed}
    except (InputError, LookupError, ValueError) as exc:  # a stored document today's schema refuses
        values = {"status": "failed", "error": str(exc)[:2000]}
    except Exception as exc:  # noqa: BLE001 - one product's failure must not stop the job
        log.exception("re-evaluating %s failed", item.product_id)
        values = {"status": "failed", "error": f"engine error: {type(exc).__name__}"}
    with repo._write_lock, repo._sessions.begin() as session:
        session.execute(
            update(JobItemRow)
            .where(JobItemRow.job_id == item.job_id, JobItemRow.product_id == item.product_id)
            .values(**values)
        )


def work(repo: Repository, evaluator: Evaluator, stop: threading.Event | None = None) -> int:
    """Claim and run items until none is left (or ``stop`` is set); returns how many were run."""
    jobs: dict[uuid.UUID, JobRow] = {}
    done = 0
    while not (stop and stop.is_set()):
        items = claim(repo)
        if not items:
            return done
        for item in items:
            if item.job_id not in jobs:
                with repo._sessions() as session:
                    jobs[item.job_id] = session.get(JobRow, item.job_id)  # type: ignore[assignment]
            _run_item(repo, evaluator, jobs[item.job_id], item)
            done += 1
    return done


class Worker:
    """At most one worker thread per process; started when a job is queued (and at start-up)."""

    def __init__(self, repo: Repository, evaluator: Evaluator):
        self.repo = repo
        self.evaluator = evaluator
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._again = False

    def kick(self) -> None:
        with self._lock:
            if self._thread and self._thread.is_alive():
                self._again = True  # it re-checks the queue before it exits
                return
            self._thread = threading.Thread(target=self._loop, name="regulint-reevaluation", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                work(self.repo, self.evaluator, self._stop)
            except Exception:  # noqa: BLE001 - logged; the next kick starts again
                log.exception("the re-evaluation worker failed")
            with self._lock:
                if not self._again or self._stop.is_set():
                    self._thread = None
                    return
                self._again = False

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        thread = self._thread
        if thread:
            thread.join(timeout)


@dataclass
class JobStatus:
    id: uuid.UUID
    created_at: dt.datetime
    as_of: dt.date
    ruleset_digest: str
    total: int
    counts: dict[str, int]
    items: list[JobItemRow]

    def to_dict(self) -> dict[str, Any]:
        finished = self.counts.get("done", 0) + self.counts.get("failed", 0)
        added: dict[str, int] = {}
        removed: dict[str, int] = {}
        for item in self.items:
            for r in item.added or []:
                added[r] = added.get(r, 0) + 1
            for r in item.removed or []:
                removed[r] = removed.get(r, 0) + 1
        return {
            "id": str(self.id),
            "created_at": self.created_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "ruleset_digest": self.ruleset_digest,
            "status": "done"
            if finished >= self.total
            else "running"
            if finished or self.counts.get("running")
            else "queued",
            "total": self.total,
            "done": self.counts.get("done", 0),
            "failed": self.counts.get("failed", 0),
            "added": dict(sorted(added.items())),
            "removed": dict(sorted(removed.items())),
            "items": [
                {
                    "product_id": i.product_id,
                    "status": i.status,
                    "source_id": str(i.source_id),
                    "evaluation_id": str(i.result_id) if i.result_id else None,
                    "added": i.added or [],
                    "removed": i.removed or [],
                    "error": i.error,
                }
                for i in self.items
                if i.status in ("done", "failed")
            ][:MAX_LISTED_ITEMS],
        }


def job_status(repo: Repository, job_id: uuid.UUID) -> JobStatus | None:
    with repo._sessions() as session:
        job = session.get(JobRow, job_id)
        if job is None:
            return None
        counts = dict(
            session.execute(
                select(JobItemRow.status, func.count())
                .where(JobItemRow.job_id == job_id)
                .group_by(JobItemRow.status)
            ).all()
        )
        items = list(
            session.scalars(
                select(JobItemRow).where(JobItemRow.job_id == job_id).order_by(JobItemRow.product_id)
            )
        )
    return JobStatus(job.id, job.created_at, job.as_of, job.ruleset_digest, job.total, counts, items)
