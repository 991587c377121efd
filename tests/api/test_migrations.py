"""The history schema is migrated with Alembic: a database made by the schema before migrations
(regulint 0.1.0, captured in fixtures/schema-0.1.0-*.sql) is upgraded in place, its rows intact."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from apihelpers import PRODUCT
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, inspect, text
from sqlalchemy.exc import InvalidRequestError
from typer.testing import CliRunner

from api.cli import app as cli
from api.service import migrate
from api.service.app import create_app
from api.service.db import NewEvaluation, Repository
from api.service.settings import Settings
from api.service.tables import Base, EvaluationRow, SchemaMismatch
from engine.evaluate.evaluator import Evaluator
from engine.facts.inputs import product_from_data

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _old_database(url: str, dialect: str, evaluator: Evaluator) -> uuid.UUID:
    """A history as regulint 0.1.0 made it, holding one evaluation; returns its id."""
    engine = create_engine(url)
    lines = (FIXTURES / f"schema-0.1.0-{dialect}.sql").read_text().splitlines()
    ddl = "\n".join(line for line in lines if not line.startswith("--"))
    with engine.begin() as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    engine.dispose()
    report = evaluator.evaluate(product_from_data(PRODUCT), dt.date(2026, 9, 1))
    ident = uuid.uuid4()
    answer = report.model_dump_json().encode()
    rows = NewEvaluation(ident, dt.datetime.now(dt.UTC), "{}", report, answer, None).rows()
    for row in rows[EvaluationRow.__tablename__]:  # 0.1.0 kept the report as text in report_json
        row["report_json"] = row.pop("report_zlib").decode()
    engine = create_engine(url)
    with engine.begin() as conn:  # no upgrade: only the columns 0.1.0 had
        for table, values in rows.items():
            conn.execute(insert(Base.metadata.tables[table]), values)
    engine.dispose()
    return ident


def _upgraded_and_served(url: str, ident: uuid.UUID, evaluator: Evaluator, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"REGULINT_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert f"from revision none to {migrate.head()}" in result.output
    engine = create_engine(url)
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
    again = CliRunner().invoke(cli, ["db", "upgrade"], env={"REGULINT_DATABASE_URL": url})
    assert again.exit_code == 0 and "(the newest)" in again.output
    app = create_app(Settings(database_url=url, seeds_dir=tmp_path), evaluator=evaluator)
    with TestClient(app) as c:
        old = c.get(f"/v1/evaluations/{ident}")
        assert old.status_code == 200 and old.json()["product_id"] == PRODUCT["id"]
        key = {"Idempotency-Key": "after-the-upgrade"}
        first = c.post("/v1/evaluations", json=PRODUCT, headers=key)
        second = c.post("/v1/evaluations", json=PRODUCT, headers=key)
        assert first.status_code == second.status_code == 201 and first.json() == second.json()
        assert c.get("/v1/evaluations").json()["total"] == 2
    app.state.repository.dispose()


def test_a_sqlite_history_of_the_previous_schema_is_upgraded_in_place(
    tmp_path: Path, evaluator: Evaluator
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    ident = _old_database(url, "sqlite", evaluator)
    _upgraded_and_served(url, ident, evaluator, tmp_path)


@pytest.mark.postgres
def test_a_postgres_history_of_the_previous_schema_is_upgraded_in_place(
    postgres_schema_url: str, tmp_path: Path, evaluator: Evaluator
) -> None:
    ident = _old_database(postgres_schema_url, "postgresql", evaluator)
    _upgraded_and_served(postgres_schema_url, ident, evaluator, tmp_path)


def test_serve_upgrades_at_start_and_a_newer_database_stops_it(tmp_path: Path, evaluator: Evaluator) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _old_database(url, "sqlite", evaluator)
    app = create_app(Settings(database_url=url, seeds_dir=tmp_path), evaluator=evaluator)  # upgrades
    engine = app.state.repository.engine
    assert migrate.current(engine) == migrate.head()
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    app.state.repository.dispose()
    with pytest.raises(SchemaMismatch, match="newer version"):
        create_app(Settings(database_url=url, seeds_dir=tmp_path), evaluator=evaluator)
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"REGULINT_DATABASE_URL": url})
    assert result.exit_code == 2 and "newer version" in result.output


def _no_drift(url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from api.service.tables import Base

    repo = Repository.from_url(url)
    repo.upgrade_schema()
    with repo.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    repo.dispose()


def test_the_migrations_make_exactly_the_models_tables(tmp_path: Path) -> None:
    _no_drift(f"sqlite:///{tmp_path / 'new.db'}")


@pytest.mark.postgres
def test_the_migrations_make_exactly_the_models_tables_on_postgres(postgres_schema_url: str) -> None:
    _no_drift(postgres_schema_url)


def test_reports_stored_compressed_survive_a_downgrade_and_the_upgrade_after(
    tmp_path: Path, evaluator: Evaluator
) -> None:
    _compressed_reports_downgraded_and_upgraded(f"sqlite:///{tmp_path / 'h.db'}", evaluator)


@pytest.mark.postgres
def test_reports_stored_compressed_survive_a_downgrade_and_the_upgrade_after_on_postgres(
    postgres_schema_url: str, evaluator: Evaluator
) -> None:
    _compressed_reports_downgraded_and_upgraded(postgres_schema_url, evaluator)


def _compressed_reports_downgraded_and_upgraded(url: str, evaluator: Evaluator) -> None:
    """0004 keeps new reports compressed; going back to 0003 puts them into report_json as text,
    and the row upgraded again is read from there (rows are not rewritten on upgrade)."""
    from alembic import command
    from sqlalchemy.orm import Session

    repo = Repository.from_url(url)
    repo.upgrade_schema()
    report = evaluator.evaluate(product_from_data(PRODUCT), dt.date(2026, 9, 1))
    ident, answer = uuid.uuid4(), report.model_dump_json()
    repo.add_all([NewEvaluation(ident, dt.datetime.now(dt.UTC), "{}", report, answer.encode(), None)])
    repo.dispose()

    engine = create_engine(url)
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0003")
    with engine.connect() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("evaluations")}
        assert "report_zlib" not in columns and not columns["report_json"]["nullable"]
        assert conn.execute(text("SELECT report_json FROM evaluations")).scalar_one() == answer
    engine.dispose()

    repo = Repository.from_url(url)
    repo.upgrade_schema()
    row = repo.get(ident)
    assert row is not None and row.report_zlib is None and row.report_json == answer
    with Session(repo.engine) as session:  # a page of the history never loads the report
        listed = session.get_one(EvaluationRow, ident)
        with pytest.raises(InvalidRequestError, match="report_zlib"):
            _ = listed.report_json
    repo.dispose()
