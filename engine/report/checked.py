"""A checked file: its report, where it came from, line numbers of its subjects and its triage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.core.docpath import path_parts
from engine.core.yamlio import line_of, load_with_lines
from engine.report.findings import Triage, triage
from engine.report.model import Report


def line_map(source: str, text: str | None, paths: Iterable[str]) -> dict[str, int]:
    """1-based line of each JSON path in the submitted document (the deepest part of the path the
    document has; 1 when it cannot be parsed). libyaml's composer gives node positions in ~1 ms a
    file (ruamel's round-trip load took ~40 ms); computed in the worker that parsed the file."""
    wanted = sorted({p for p in paths if p})
    if text is None or not wanted:
        return {}
    try:
        import yaml

        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except Exception:  # noqa: BLE001 - not plain YAML/JSON for libyaml: the round-trip loader decides
        try:
            doc = load_with_lines(source, text)
        except Exception:  # any unparsable text just loses line numbers
            return {}
        return {p: line_of(doc, path_parts(p)) for p in wanted}
    return {p: _node_line(root, path_parts(p)) for p in wanted}


def _node_line(root: object, loc: list[str | int]) -> int:
    import yaml

    node, line = root, 1
    for key in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            hit = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def report_paths(report: Report) -> set[str]:
    """Every subject path a renderer may locate."""
    paths = {v.subject.path for v in report.violations}
    paths |= {i.subject.path for i in report.insufficient_information if i.subject}
    return paths


@dataclass(frozen=True)
class Checked:
    """A report, the file it came from, and what CI made of its violations."""

    source: str
    report: Report
    text: str | None = None  # the submitted document, when no line map was computed
    lines: dict[str, int] | None = None  # subject path -> line, from the worker
    triage: Triage | None = None  # suppressions and baseline applied; None: every violation new
    seconds: float | None = None  # evaluation time of this file

    def line(self, path: str) -> int:
        if not path:
            return 1
        if self.lines is None:
            object.__setattr__(self, "lines", line_map(self.source, self.text, report_paths(self.report)))
        return self.lines.get(path, 1)  # type: ignore[union-attr]

    @property
    def triaged(self) -> Triage:
        if self.triage is None:
            object.__setattr__(self, "triage", triage(self.report))
        return self.triage  # type: ignore[return-value]
