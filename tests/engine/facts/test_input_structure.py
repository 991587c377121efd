"""The structure check of a submitted document: depth, NUL and lone surrogates, each at its JSON path."""

from __future__ import annotations

import pytest

from engine.facts.inputs import check_structure


def _nested(depth: int, leaf: object) -> object:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("leaf", [1, "x", None, True, 1.5, [], {}])
def test_depth_limit_is_exact_for_every_kind_of_leaf(leaf: object) -> None:
    assert check_structure(_nested(3, leaf), max_depth=3) == []
    (issue,) = check_structure(_nested(4, leaf), max_depth=3)
    assert issue.path == "a.a.a.a"
    assert issue.message == "the document is nested too deeply"


def test_list_items_past_the_depth_limit_are_reported() -> None:
    assert check_structure({"a": {"b": [1, 2]}}, max_depth=3) == []
    issues = check_structure({"a": {"b": {"c": [1, "x"]}}}, max_depth=3)
    assert [i.path for i in issues] == ["a.b.c[0]", "a.b.c[1]"]


def test_bad_text_is_reported_at_its_path() -> None:
    doc = {
        "id": "ok",
        "data_practices": [{"purpose": "fine"}, {"purpose": "nul\x00here", "recipients": ["a", "\ud800"]}],
        "bad\x00key": 1,
        "名前": "中文は大丈夫",
    }
    issues = check_structure(doc, root="body")
    assert [(i.path, i.message) for i in issues] == [
        ("body", "a key: text holds a NUL character"),
        ("body.data_practices[1].purpose", "text holds a NUL character"),
        ("body.data_practices[1].recipients[1]", "text holds an unpaired UTF-16 surrogate"),
    ]


def test_a_clean_document_has_no_issues() -> None:
    assert check_structure({"a": [{"b": "ü", "c": [1, 2.5, None, False]}], "d": "\U0001f600"}) == []
