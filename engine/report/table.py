"""The terminal table of ``regulint check``: per file, one row per rule (or per subject, or per fix)
with the subjects it concerns, grouped by jurisdiction, severity coloured; rule ids wrap, never cut;
exposure at the foot. The JSON keeps every violation; the table shows each fix's first sentence.

A file's section is laid out once, as blocks (:class:`Rule`, :class:`Line`, :class:`Grid`), then
drawn by one of two backends that give the same characters: rich (colour, for a terminal) and a
plain one (files, pipes and CI) that draws rich's layout — SIMPLE_HEAD box, the first column as
wide as its widest cell, the second the rest, words wrapped and long words folded by rich's own
``divide_line`` — without rich's console, about ten times faster. Text the plain backend does not
draw itself (markup in the data, emoji codes, tabs, control or wide characters) goes through rich.
Each section stands alone, so ``--jobs`` workers draw their files' sections and the parent joins them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from engine.law.penalties import money, money_or_open, penalty_text
from engine.law.severity import per_severity
from engine.report.checked import Checked
from engine.report.findings import Group, group

SEVERITY_STYLE = per_severity(("bold white on red", "bold red", "yellow", "cyan"))
HEADER = ("severity", "rule · citation · max penalty / finding — where / fix")


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the width."""


@dataclass(frozen=True)
class Line:
    """A paragraph in rich markup, wrapped at the width."""

    markup: str


@dataclass(frozen=True)
class Grid:
    """A titled two-column table: per row the severity and a cell in rich markup (lines split by \\n)."""

    title: str
    rows: tuple[tuple[str, str], ...]


Block = Rule | Line | Grid


def table_width(width: int | None = None) -> int:
    """``width``, else ``COLUMNS`` when it is a number of at least 40, else 120."""
    columns = os.environ.get("COLUMNS", "")
    return width or (int(columns) if columns.isdigit() and int(columns) >= 40 else 120)


def render_table(
    items: Sequence[Checked], color: bool = True, width: int | None = None, group_by: str = "rule"
) -> str:
    """The table of every file, in the order given (each file's :func:`table_section`, joined)."""
    width = table_width(width)
    return "".join(table_section(item, color, width, group_by) for item in items)


def table_section(item: Checked, color: bool, width: int, group_by: str = "rule") -> str:
    """One file's part of the table: the same text whether drawn alone or with the other files."""
    blocks = list(section_blocks(item, group_by))
    return draw_rich(blocks, color, width) if color else draw_plain(blocks, width)


# --- layout ----------------------------------------------------------------------------------------


def section_blocks(item: Checked, by: str = "rule") -> Iterator[Block]:
    """What one file's section shows, in order."""
    rep = item.report
    yield Rule()
    yield Line(
        f"[bold]{_esc(rep.product_id, before_tag=True)}[/] ({_esc(str(item.source))}) as of {rep.as_of} — markets "
        f"{_esc(', '.join(rep.markets))}"
    )
    tri = item.triaged
    if not rep.violations:
        yield Line("[green]No violations.[/]")
    for jurisdiction in sorted({v.jurisdiction for v in rep.violations}):
        rows = [t for t in tri.items if t.violation.jurisdiction == jurisdiction]
        yield Grid(_esc(jurisdiction), tuple((g.severity, _cell(g, by)) for g in group(rows, by)))
    yield from _tail(item)


def _gravest_penalty(violations) -> Any:  # noqa: ANN001 - Iterable[Violation]
    """The penalty of the group's largest maximum; an open-ended one counts as the largest."""
    return max((v.penalty for v in violations), key=lambda p: (p.max is None, p.max or 0))


def _esc(text: str, before_tag: bool = False) -> str:
    """``text`` from a description, ruleset or config, shown as itself in rich markup (an id such as
    ``a[/]b`` is not a closing tag). ``before_tag``: a markup tag follows it at once, so a trailing
    backslash is doubled lest it escape the tag (elsewhere it escapes nothing and stays single)."""
    if "[" not in text and not text.endswith("\\"):
        return text
    from rich.markup import escape

    out = escape(text)  # doubles a lone trailing backslash, so it cannot escape a tag that follows
    return out[:-1] if not before_tag and out.endswith("\\\\") and not text.endswith("\\\\") else out


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.;])\s", text + " ")
    return m.group(1) if m and len(m.group(1)) < len(text) else text


def _cell(g: Group, by: str) -> str:
    """A row's second cell: the rule id(s) with citation and penalty, the finding and where, the fix's
    first sentence (by rule); the subject and its rules (by practice); the fix and its rules (by fix)."""
    v = g.first
    penalty = penalty_text(_gravest_penalty(t.violation for t in g.items))
    status = _status_note(g.statuses)
    if by == "practice":
        lines = [f"[bold]{_esc(g.key, before_tag=True)}[/]{status} · up to {penalty}"]
        lines += [
            f"{_esc(t.violation.rule_id)} [dim]({t.violation.severity}, {_esc(t.violation.citation)})[/]"
            for t in g.items
        ]
    elif by == "fix":
        lines = [
            f"[bold]{_esc(', '.join(g.rule_ids), before_tag=True)}[/] · up to {penalty}",
            f"{_esc(v.remediation)}{status} — at {_esc(', '.join(g.subjects))}",
        ]
    else:
        lines = [
            f"[bold]{_esc(v.rule_id, before_tag=True)}[/] · [dim]{_esc(v.citation, before_tag=True)}[/] · up to {penalty}",
            f"[dim]official text: {_esc(v.source_site, before_tag=True)}[/]"
            if v.source_official
            else f"[red]not official: {_esc(v.source_site, before_tag=True)}[/]",
            f"{_esc(v.title)}{status} — at {_esc(', '.join(g.subjects))}",
            f"[dim]fix:[/] {_esc(_first_sentence(v.remediation))}",
        ]
    return "\n".join(lines)


def _status_note(statuses: dict[str, int]) -> str:
    quiet = {k: n for k, n in statuses.items() if k != "new"}
    return (" [dim](" + ", ".join(f"{n} {k}" for k, n in quiet.items()) + ")[/]") if quiet else ""


def _tail(item: Checked) -> Iterator[Line]:
    rep = item.report
    if rep.upcoming:
        yield Line("[bold]Upcoming obligations[/] (not yet in force on the as-of date):")
        seen: dict[tuple[Any, str], list[str]] = {}
        for u in rep.upcoming:
            seen.setdefault((u.effective_from, u.rule_id), []).append(u.subject.id)
        for (day, rule_id), subjects in seen.items():
            yield Line(f"  {day}  {_esc(rule_id)} at {_esc(', '.join(dict.fromkeys(subjects)))}")
    if rep.upcoming_penalty_changes:
        yield Line("[bold]Upcoming penalty changes[/] (duties in force whose maximum changes):")
        for c in rep.upcoming_penalty_changes:
            yield Line(
                f"  {c.effective_from}  {_esc(c.rule_id)} ({_esc(c.tier)}): {money_or_open(c.old_max, c.currency)}"
                f" -> {money_or_open(c.new_max, c.currency)} ({_esc(c.citation)})"
            )
    if rep.insufficient_information:
        yield Line("[bold]Insufficient information[/] (give these facts to decide):")
        needs: dict[tuple[str, ...], list[str]] = {}
        for i in rep.insufficient_information:
            what = i.rule_id or (
                f"maximum penalty of {i.instrument}"
                if i.about == "penalty"
                else f"applicability of {i.instrument}"
            )
            needs.setdefault(tuple(i.missing) or (i.reason,), []).append(what)
        for missing, whats in needs.items():
            yield Line(f"  {_esc(', '.join(dict.fromkeys(whats)))}: needs {_esc(', '.join(missing))}")
    if rep.not_applicable:
        yield Line(
            "[dim]Not applicable: "
            + _esc("; ".join(n.instrument for n in rep.not_applicable), before_tag=True)
            + "[/]"
        )
    s = rep.summary
    counts = ", ".join(f"{n} {k}" for k, n in s.by_severity.items() if n)
    rules = len({v.rule_id for v in rep.violations})
    tri = item.triaged
    quiet = [f"{n} {k}" for k in ("suppressed", "baselined") if (n := tri.count(k))]
    yield Line(
        f"[bold]{s.violations} violation(s)[/] of {rules} rule(s)"
        + (f" ({counts})" if counts else "")
        + (f"; {tri.count('new')} new, {', '.join(quiet)}" if quiet else "")
    )
    for e in s.exposure:
        amount = (
            f"up to {money(e.max, e.currency)} (≈ {money(e.usd.max, 'USD')})"
            if e.max is not None and e.usd.max is not None
            else f"at least {money(e.max_at_least or Decimal(0), e.currency)}, open-ended "
            f"(give {', '.join(e.missing) or 'the count'})"
        )
        yield Line(
            f"  exposure {_esc(e.jurisdiction)} {_esc(' + '.join(e.instruments or [e.instrument]))}: "
            f"{_esc(amount)}, {_esc(e.aggregation)}"
        )
    for sup in tri.expired:
        yield Line(
            f"[bold red]expired suppression[/] {_esc(sup.rule)} at {_esc(sup.subject)} ({_esc(str(sup.origin))}): "
            "fails again"
        )


# --- rich backend ----------------------------------------------------------------------------------


def draw_rich(blocks: Sequence[Block], color: bool, width: int) -> str:
    """The blocks through rich's console (colour when ``color``)."""
    from rich.console import Console

    console = Console(record=True, force_terminal=color, no_color=not color, width=width, file=_Null())
    for block in blocks:
        if isinstance(block, Rule):
            console.rule(style="dim")
        elif isinstance(block, Line):
            console.print(block.markup)
        else:
            console.print(_rich_grid(block))
    return console.export_text(styles=color)


def _rich_grid(grid: Grid) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=grid.title, title_justify="left", box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
    table.add_column(HEADER[0], no_wrap=True)
    table.add_column(HEADER[1], overflow="fold", ratio=1)
    for severity, cell in grid.rows:
        table.add_row(Text(severity, style=SEVERITY_STYLE[severity]), cell)
    return table


class _Null:
    def write(self, _s: str) -> int:
        return 0

    def flush(self) -> None:
        return None


# --- plain backend ---------------------------------------------------------------------------------

_TAGS = re.compile(r"\[(?:bold|dim|red|green|bold red|/)\]")  # the markup the layout above writes
_RICH_TAG = re.compile(r"\[[a-z#/@]")  # what else rich would read as a tag ("[1]" is text)
_EMOJI_CODE = re.compile(r":\S*?:")  # every string rich might replace an emoji code in
_WHITESPACE_END = re.compile(r"\s+$")
_WORD = re.compile(r"\s*\S+\s*")  # rich._wrap.re_word


def draw_plain(blocks: Sequence[Block], width: int) -> str:
    """The blocks as rich draws them without colour, character for character."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Rule):
            out.append("─" * width + "\n")
        elif isinstance(block, Line):
            out += [line + "\n" for line in _wrap_text(_plain(block.markup), width, pad=False)]
        else:
            out += _plain_grid(block, width)
    return "".join(out)


def _plain_grid(grid: Grid, width: int) -> list[str]:
    """rich's ``Table(box=SIMPLE_HEAD, expand=True, pad_edge=False)``: edges and the column divider
    are spaces, the first column (no wrap) as wide as its widest cell plus its right padding, the
    second (fold, ratio 1) the rest of the width minus its left padding."""
    first = max(_cell_len(s) for s in (HEADER[0], *(sev for sev, _ in grid.rows))) + 1
    second = width - 3 - first
    out = [line + "\n" for line in _wrap_text(_plain(grid.title), width, pad=True)]
    out.append(" " * width + "\n")
    rows = [(HEADER[0], HEADER[1]), *((sev, _plain(cell)) for sev, cell in grid.rows)]
    for n, (severity, cell) in enumerate(rows):
        left = _wrap_text(severity, first - 1, pad=True, wrap=False)
        right = _wrap_text(cell, second - 1, pad=True)
        blank = [" " * (first - 1)] * (len(right) - len(left))
        left = blank + left if n == 0 else left + blank  # the header sits at the bottom of its row
        for a, b in zip(left, right, strict=True):
            out.append(f" {a}   {b} \n")
        if n == 0:
            out.append(" " + "─" * (first + 1 + second) + " \n")
    out.append(" " * width + "\n")
    return out


def _plain(markup: str) -> str:
    """The text of a markup string (what rich's ``render_str(markup).plain`` gives)."""
    if "\\" not in markup and not _EMOJI_CODE.search(markup):
        tags = _TAGS.findall(markup)
        text = _TAGS.sub("", markup) if tags else markup
        closes = tags.count("[/]")
        if closes * 2 == len(tags) and not _RICH_TAG.search(text):
            return text
    return _console().render_str(markup, highlight=False).plain


def _wrap_text(text: str, width: int, pad: bool, wrap: bool = True) -> list[str]:
    """rich's ``Text.wrap`` (fold overflow; justify left when ``pad``, else default) of plain text."""
    out: list[str] = []
    for line in text.split("\n"):
        if not _simple(line):
            out += _rich_wrap(line, width, pad, wrap)
            continue
        if wrap and len(line) > width:
            cuts = [0, *_divide(line, width), len(line)]
            pieces = [line[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
        else:
            pieces = [line]
        for piece in pieces:
            if wrap and len(piece) > width and (m := _WHITESPACE_END.search(piece)):
                piece = piece[: len(piece) - min(len(m.group(0)), len(piece) - width)]
            piece = piece[:width]
            out.append(piece + " " * (width - len(piece)) if pad else piece)
    return out


def _divide(text: str, width: int) -> list[int]:
    """rich's ``divide_line(text, width, fold=True)`` for text whose every character is one cell."""
    breaks: list[int] = []
    offset = 0
    for m in _WORD.finditer(text):
        start, word = m.start(), m.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            chunks = [word[i : i + width] for i in range(0, len(word), width)]
            for chunk in chunks[:-1]:
                if start:
                    breaks.append(start)
                start += len(chunk)
            if start:
                breaks.append(start)
            offset = len(chunks[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _rich_wrap(line: str, width: int, pad: bool, wrap: bool) -> list[str]:
    from rich.text import Text

    lines = Text(line).wrap(
        _console(), width, justify="left" if pad else "default", overflow="fold", no_wrap=not wrap
    )
    return [x.plain for x in lines]


def _cell_len(text: str) -> int:
    if _simple(text):
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _simple(text: str) -> bool:
    """Every character one cell wide and a grapheme of its own: lengths in cells are lengths."""
    return _one_cell().issuperset(text)


@cache
def _one_cell() -> frozenset[str]:
    """Printable ASCII, rich's own one-cell set, and the punctuation, arrows and mathematical signs
    rich measures one cell wide (the table's "·", "—", "≈" …)."""
    from rich.cells import _SINGLE_CELLS, get_character_cell_size

    extra = [chr(c) for r in (range(0x2010, 0x205F), range(0x2190, 0x2300)) for c in r]
    return _SINGLE_CELLS | {c for c in extra if get_character_cell_size(c) == 1}


@cache
def _console() -> Any:
    from rich.console import Console

    return Console(width=80, file=_Null(), force_terminal=False, no_color=True)
