"""Streamed output (api/cli/stream.py) is byte for byte what joining the parts at the end wrote:
for every streamed format, one file or many, to a file or to standard output, whatever newlines
the parts end with; and a run with nothing to show writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli.stream import FRAMES, PartWriter


def _joined(fmt: str, parts: list[str], n_files: int, footer: str | None) -> str:
    """What the output was before streaming: the parts joined, then written."""
    if fmt == "json":
        return parts[0] if n_files == 1 and len(parts) == 1 else "[\n" + ",\n".join(parts) + "\n]"
    if fmt == "github":
        return "\n".join([*(p for p in parts if p), footer or ""])
    return ("\n" if fmt == "json-lines" else "").join(parts)


PARTS = [
    ['{\n  "a": 1\n}'],
    ['{"a":1}', '{"b":2}', '{"file":"x","error":"input"}'],
    ["section one\n", "section two\n\n", "last\n"],
    ["", "::error file=a::x", "", "::warning file=b::y\n"],
    ["ends without newline", "\n\n", "tail"],
]


@pytest.mark.parametrize("fmt", sorted(FRAMES))
@pytest.mark.parametrize("parts", PARTS)
@pytest.mark.parametrize("to_file", [True, False])
def test_streamed_is_joined(
    fmt: str, parts: list[str], to_file: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n_files in {1, len(parts)} if len(parts) == 1 else {len(parts)}:
        footer = "3 file(s) checked" if fmt == "github" else None
        path = tmp_path / "out.txt" if to_file else None
        writer = PartWriter(fmt, n_files, path)
        for part in parts:
            writer.add(part)
        writer.close(footer)
        text = _joined(fmt, parts, n_files, footer)
        if to_file:
            assert path is not None and path.read_text(encoding="utf-8") == text + (
                "" if text.endswith("\n") else "\n"
            )
        else:
            assert capsys.readouterr().out == text.rstrip("\n") + "\n"


def test_nothing_to_show_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "never.json"
    PartWriter("json", 3, path).close()
    PartWriter("table", 3, None).close()
    assert not path.exists() and capsys.readouterr().out == ""


def test_an_unwritable_output_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    writer = PartWriter("json", 2, tmp_path / "missing-dir" / "out.json")
    with pytest.raises(typer.Exit) as exc:
        writer.add("{}")
    assert exc.value.exit_code == 2 and "--output" in capsys.readouterr().err
