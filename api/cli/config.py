"""The project configuration of ``regulint check``: ``.regulint.yaml`` or ``[tool.regulint]`` in
``pyproject.toml``, the first found from the working directory upwards (or ``--config FILE``).

Every key is optional; a command-line option overrides the key. Unknown keys, wrong types and unknown
rule ids are errors reported as ``file:line: message`` (exit 2). Paths are relative to the file.

.. code-block:: yaml

    as-of: 2026-09-01          # pin the law's date in CI; move it on purpose
    markets: [EU, US-CA]
    fail-on: high
    fail-on-insufficient: true
    format: sarif
    rulesets: [compliance/our-rules]   # added to the shipped rulesets
    no-default-rulesets: false
    baseline: .regulint-baseline.json
    disabled-rules:
      - {id: eu-dsa-notice-and-action, reason: "not a hosting service (legal, 2026-05)"}
    suppressions:
      - {rule: eu-gdpr-dpia, subject: selfie-capture, reason: "DPIA in review",
         approver: dpo@example.com, expires: 2026-12-31}
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.law.severity import SEVERITIES
from engine.report.findings import Suppression

CONFIG_FILES = (".regulint.yaml", ".regulint.yml")
FORMATS = ("table", "json", "json-lines", "sarif", "junit", "github")
GROUPS = ("rule", "practice", "fix")
MAX_BYTES = 1024 * 1024


class ConfigError(ValueError):
    """A configuration file regulint cannot use: ``file:line: message``."""

    def __init__(self, file: Path | str, line: int, message: str) -> None:
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{file}:{line}: {message}")


@dataclass
class Config:
    """The configuration's values (None: not set) and where each rule id was named."""

    file: Path | None = None
    markets: list[str] | None = None
    as_of: dt.date | None = None
    fail_on: str | None = None
    fail_on_insufficient: bool | None = None
    format: str | None = None
    group_by: str | None = None
    rulesets: list[Path] = field(default_factory=list)
    no_default_rulesets: bool | None = None
    baseline: Path | None = None
    suppressions: list[Suppression] = field(default_factory=list)
    rule_refs: list[tuple[str, int, str]] = field(default_factory=list)  # (rule id, line, key)

    def check_rule_ids(self, known: set[str] | dict[str, Any]) -> None:
        """Every rule id the file names must exist in the rulesets in use."""
        import difflib

        for rule_id, line, key in self.rule_refs:
            if rule_id not in known:
                near = difflib.get_close_matches(rule_id, list(known), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ConfigError(self.file or "config", line, f"{key}: unknown rule id {rule_id!r}{hint}")


def find_config(start: Path | None = None) -> Path | None:
    """The first ``.regulint.yaml`` or ``pyproject.toml`` with ``[tool.regulint]`` from ``start`` up."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and re.search(r"^\s*\[+\s*tool\.regulint\b", _read(pyproject), re.M):
            return pyproject
    return None


def load_config(path: Path | None) -> Config:
    """Parse and validate a configuration file (``None``: the empty configuration)."""
    if path is None:
        return Config()
    text = _read(path)
    if path.name == "pyproject.toml":
        try:
            data = tomllib.loads(text).get("tool", {}).get("regulint", {})
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise ConfigError(path, int(m.group(1)) if m else 1, f"invalid TOML: {exc}") from None
        return _build(path, data, _TomlLines(text))
    from engine.core.yamlio import YamlError, load_with_lines

    try:
        data = load_with_lines(path, text)
    except YamlError as exc:
        raise ConfigError(path, exc.line, exc.message) from None
    return _build(path, {} if data is None else data, _YamlLines(data))


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(path, 1, f"larger than {MAX_BYTES} bytes")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, 1, f"cannot read: {exc}") from None


class _YamlLines:
    def __init__(self, root: Any) -> None:
        self.root = root

    def line(self, *loc: str | int) -> int:
        from engine.core.yamlio import line_of

        return line_of(self.root, list(loc)) if self.root is not None else 1


class _TomlLines:
    """Line numbers for ``[tool.regulint]`` keys (tomllib keeps none): the first matching line."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line(self, *loc: str | int) -> int:
        start = next(
            (n for n, ln in enumerate(self.lines) if re.match(r"\s*\[\s*tool\.regulint\s*\]", ln)), 0
        )
        if len(loc) >= 2 and isinstance(loc[1], int):  # [[tool.regulint.KEY]] tables, or an inline array
            headers = [
                n
                for n, ln in enumerate(self.lines)
                if re.match(rf"\s*\[\[\s*tool\.regulint\.{re.escape(str(loc[0]))}\s*\]\]", ln)
            ]
            if loc[1] < len(headers):
                start = headers[loc[1]]
                loc = loc[2:]
                if not loc:
                    return start + 1
        key = next((k for k in loc if isinstance(k, str)), None)
        if key is None:
            return start + 1
        pattern = re.compile(rf'\s*"?{re.escape(key)}"?\s*=|.*[{{,]\s*"?{re.escape(key)}"?\s*=')
        for n in range(start, len(self.lines)):
            if pattern.match(self.lines[n]):
                return n + 1
        return start + 1


_KEYS = {
    "markets", "as-of", "fail-on", "fail-on-insufficient", "format", "group-by", "rulesets",
    "no-default-rulesets", "baseline", "disabled-rules", "suppressions",
}  # fmt: skip
_SUPPRESSION_KEYS = {"rule", "subject", "reason", "approver", "expires"}
_DISABLED_KEYS = {"id", "reason"}


def _build(path: Path, data: Any, where: _YamlLines | _TomlLines) -> Config:
    def fail(message: str, *loc: str | int) -> ConfigError:
        return ConfigError(path, where.line(*loc), message)

    if not isinstance(data, dict):
        raise fail(f"expected a mapping of settings, got {type(data).__name__}")
    for key in data:
        if key not in _KEYS:
            import difflib

            near = difflib.get_close_matches(str(key), sorted(_KEYS), n=1)
            raise fail(
                f"unknown key {key!r}"
                + (f"; did you mean {near[0]!r}?" if near else f"; known: {', '.join(sorted(_KEYS))}"),
                key,
            )
    cfg = Config(file=path)
    base = path.parent

    def text(key: str, value: Any, choices: tuple[str, ...] | None = None, *loc: str | int) -> str:
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{key}: expected a string, got {value!r}", *(loc or (key,)))
        if choices and value not in choices:
            raise fail(f"{key}: expected one of {', '.join(choices)}, got {value!r}", *(loc or (key,)))
        return value

    def flag(key: str) -> bool:
        if not isinstance(data[key], bool):
            raise fail(f"{key}: expected true or false, got {data[key]!r}", key)
        return data[key]

    def date(key: str, value: Any, *loc: str | int) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise fail(f"{key}: expected a date as YYYY-MM-DD, got {value!r}", *(loc or (key,))) from None

    def strings(key: str) -> list[str]:
        value = data[key]
        if not isinstance(value, list) or not value:
            raise fail(f"{key}: expected a non-empty list of strings, got {value!r}", key)
        return [text(key, v, None, key, n) for n, v in enumerate(value)]

    if "markets" in data:
        from engine.core.jurisdictions import normalise_place

        cfg.markets = strings("markets")
        for n, m in enumerate(cfg.markets):
            try:
                normalise_place(m)
            except ValueError as exc:
                raise fail(f"markets: {exc}", "markets", n) from None
    if "as-of" in data:
        cfg.as_of = date("as-of", data["as-of"])
    if "fail-on" in data:
        cfg.fail_on = text("fail-on", data["fail-on"], SEVERITIES)
    if "fail-on-insufficient" in data:
        cfg.fail_on_insufficient = flag("fail-on-insufficient")
    if "format" in data:
        cfg.format = text("format", data["format"], FORMATS)
    if "group-by" in data:
        cfg.group_by = text("group-by", data["group-by"], GROUPS)
    if "no-default-rulesets" in data:
        cfg.no_default_rulesets = flag("no-default-rulesets")
    if "rulesets" in data:
        for n, r in enumerate(strings("rulesets")):
            p = (base / r).resolve()
            if not p.exists():
                raise fail(f"rulesets: {r}: no such file or directory (relative to {base})", "rulesets", n)
            cfg.rulesets.append(p)
    if "baseline" in data:
        cfg.baseline = (base / text("baseline", data["baseline"])).resolve()
    for n, entry in enumerate(_entries(data, "disabled-rules", fail)):
        _check_keys(entry, _DISABLED_KEYS, {"id", "reason"}, "disabled-rules", n, fail)
        rule = text("disabled-rules.id", entry["id"], None, "disabled-rules", n, "id")
        reason = text("disabled-rules.reason", entry["reason"], None, "disabled-rules", n, "reason")
        line = where.line("disabled-rules", n)
        cfg.rule_refs.append((rule, line, f"disabled-rules[{n}].id"))
        cfg.suppressions.append(Suppression(rule, "*", reason, origin=f"{path}:{line}", kind="disabled"))
    for n, entry in enumerate(_entries(data, "suppressions", fail)):
        _check_keys(entry, _SUPPRESSION_KEYS, _SUPPRESSION_KEYS, "suppressions", n, fail)
        vals = {
            k: text(f"suppressions.{k}", entry[k], None, "suppressions", n, k)
            for k in ("rule", "subject", "reason", "approver")
        }
        expires = date("suppressions.expires", entry["expires"], "suppressions", n, "expires")
        line = where.line("suppressions", n)
        cfg.rule_refs.append((vals["rule"], line, f"suppressions[{n}].rule"))
        cfg.suppressions.append(
            Suppression(
                vals["rule"],
                vals["subject"],
                vals["reason"],
                vals["approver"],
                expires,
                origin=f"{path}:{line}",
            )
        )
    return cfg


def _entries(data: dict, key: str, fail: Any) -> list[Any]:
    if key not in data:
        return []
    value = data[key]
    if not isinstance(value, list):
        raise fail(f"{key}: expected a list, got {type(value).__name__}", key)
    return value


def _check_keys(entry: Any, allowed: set[str], required: set[str], key: str, n: int, fail: Any) -> None:
    if not isinstance(entry, dict):
        raise fail(f"{key}[{n}]: expected a mapping with {', '.join(sorted(required))}", key, n)
    for k in entry:
        if k not in allowed:
            raise fail(f"{key}[{n}]: unknown key {k!r}; known: {', '.join(sorted(allowed))}", key, n, k)
    missing = sorted(required - set(entry))
    if missing:
        raise fail(f"{key}[{n}]: missing {', '.join(missing)}", key, n)
