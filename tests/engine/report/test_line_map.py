"""Line numbers for SARIF and GitHub annotations, found in the worker from the text it read: a scan of
JSON text gives the lines libyaml's composer gives (the key of a member, the first character of a list
item, the deepest part of the path the document has), one-line files need no map at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine.core.docpath import path_parts
from engine.report import checked
from engine.report.checked import Checked, json_lines, line_map

ROOT = Path(__file__).resolve().parents[3]
SEEDS = sorted((ROOT / "seeds").glob("*.json"))


def composed(text: str, paths: list[str]) -> dict[str, int]:
    """The lines as libyaml's composer places them (what line_map used for every document)."""
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    return {p: checked._node_line(root, path_parts(p)) for p in paths}


def paths_of(doc: object, prefix: str = "") -> list[str]:
    """Every path in a document, plus some it does not have."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += paths_of(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(doc, list):
        for n, v in enumerate(doc):
            out += paths_of(v, f"{prefix}[{n}]")
    return out


@pytest.mark.parametrize("layout", ["indent2", "tabs", "crlf", "escaped"])
def test_json_lines_are_the_composers(layout: str) -> None:
    for path in SEEDS:
        doc = json.loads(path.read_text(encoding="utf-8"))
        text = {
            "indent2": path.read_text(encoding="utf-8"),
            "tabs": json.dumps(doc, indent="\t", ensure_ascii=False),
            "crlf": json.dumps(doc, indent=1, ensure_ascii=False).replace("\n", "\r\n"),
            "escaped": json.dumps(doc, indent=3, ensure_ascii=True, sort_keys=True),
        }[layout]
        paths = sorted(set(paths_of(doc))) + ["nope", "data_practices[99].x", "organization.name.deeper"]
        try:
            expected = composed(text, paths)
        except yaml.YAMLError:  # libyaml refuses surrogate-pair escapes ("\ud83c\udfae"); the scan reads them
            assert json_lines(text, [path_parts(p) for p in paths]) is not None
            continue
        assert line_map(path.name, text, paths) == expected, f"{path.name} ({layout})"


def test_a_one_line_file_needs_no_map() -> None:
    text = json.dumps({"data_practices": [{"id": "a"}, {"id": "b"}]}) + "\n"
    assert line_map("p.json", text, ["data_practices[1]"]) == {}
    assert Checked("p.json", None, lines={}).line("data_practices[1]") == 1  # type: ignore[arg-type]


def test_the_first_of_duplicate_keys_and_the_deepest_part_found() -> None:
    text = (
        '{\n  "a": {\n    "b": 1\n  },\n  "a": {\n\n    "b": 2\n  },\n  "c": [\n    7,\n    {"d": 1}\n  ]\n}'
    )
    paths = ["a.b", "a.x", "c[1].d", "c[5]", "c.d", "z"]
    assert line_map("p.json", text, paths) == {"a.b": 3, "a.x": 2, "c[1].d": 11, "c[5]": 9, "c.d": 9, "z": 1}
    assert line_map("p.json", text, paths) == composed(text, paths)


def test_text_that_is_not_plain_json_goes_to_the_composer() -> None:
    yaml_text = "id: x\ndata_practices:\n  - id: a\n  - id: b\n    purpose: y\n"
    assert line_map("p.yaml", yaml_text, ["data_practices[1].purpose"]) == {"data_practices[1].purpose": 5}
    flow = "{id: x,\n data_practices: [\n  {id: a}]}"  # YAML flow style: starts like JSON, is not
    assert json_lines(flow, [["data_practices", 0]]) is None
    assert line_map("p.yaml", flow, ["data_practices[0]"]) == {"data_practices[0]": 3}
    separator = '{"name": "a\u2028b",\n "id": "x"}'  # a line break for YAML inside a JSON string
    assert line_map("p.json", separator, ["id"]) == composed(separator, ["id"])
