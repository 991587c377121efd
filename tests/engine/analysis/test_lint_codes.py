"""The diagnostic code registry: each code declared once, documented, and the JSON lint prints."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from engine.analysis.diagnostics import LINT_JSON_SCHEMA, Code, Diagnostic, codes_markdown
from engine.core.spans import Span

ROOT = Path(__file__).resolve().parents[3]


def test_the_docs_table_is_the_registry() -> None:
    text = (ROOT / "docs" / "lint-codes.md").read_text(encoding="utf-8")
    assert text.endswith(codes_markdown())
    assert all(c.level in ("error", "warning") and c.summary.endswith(".") for c in Code)


@pytest.mark.parametrize("module", ["engine/analysis/lint.py", "engine/analysis/static_checks.py"])
def test_diagnostics_are_built_from_registered_codes_only(module: str) -> None:
    """Every ``Diagnostic(...)`` names its code as ``Code.X`` (no bare string code)."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Diagnostic"
    ]
    assert calls
    for call in calls:
        code = call.args[1] if len(call.args) > 1 else next(k.value for k in call.keywords if k.arg == "code")
        names = [code] if not isinstance(code, ast.IfExp) else [code.body, code.orelse]
        for name in names:
            assert isinstance(name, ast.Attribute) and getattr(name.value, "id", None) == "Code", ast.dump(
                code
            )
            assert name.attr in Code.__members__


def test_a_diagnostic_prints_as_before_and_takes_its_level_from_the_code() -> None:
    d = Diagnostic(Span("r.yaml", 12, 5), Code.RULE_SUBSUMED, "rule a is subsumed by rule b")
    assert str(d) == "r.yaml:12: warning: [rule-subsumed] rule a is subsumed by rule b"
    assert d.to_json() == {
        "file": "r.yaml", "line": 12, "level": "warning", "code": "rule-subsumed",
        "message": "rule a is subsumed by rule b",
    }  # fmt: skip
    jsonschema.validate([d.to_json()], LINT_JSON_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**d.to_json(), "code": "no-such-code"}], LINT_JSON_SCHEMA)


def test_lint_json_is_the_declared_schema(tmp_path: Path) -> None:
    from api.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("instrument: [unclosed\n")
    result = CliRunner().invoke(app, ["lint", str(bad), "--format", "json"])
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    jsonschema.validate(out, LINT_JSON_SCHEMA)
    assert [(d["code"], d["level"], d["file"]) for d in out] == [("invalid", "error", str(bad))]
    assert out[0]["line"] >= 1 and "invalid YAML" in out[0]["message"]


def test_an_example_diagnostic_points_at_the_example(tmp_path: Path) -> None:
    """Diagnostics cite ``file:line`` from the law model's spans: here the example's own line."""
    from engine.analysis.lint import lint
    from tests.engine.law.test_loader import GOOD

    bad_example = "      compliant: [{id: a, markets: [EU], data_practices: [{id: p}]}]"
    text = GOOD.replace(GOOD.splitlines()[-1], bad_example)
    path = tmp_path / "test.yaml"
    path.write_text(text)
    found = [d for d in lint(path) if d.code is Code.EXAMPLE_VIOLATING]
    assert [(d.file, d.line, d.level) for d in found] == [
        (str(path), text.splitlines().index(bad_example) + 1, "error")
    ]
