"""`validate` on a corpus of broken scenario files (tests/corpus/invalid): each file lists, in `# problem:`
comments, every problem it must produce — `[FILE:]LINE text` — and nothing else may be reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.errors import ScenarioError
from checker.scenario import LoadOptions, load_scenarios

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "invalid"
ANNOTATION = re.compile(r"^# problem: (?:(?P<file>[\w.-]+):)?(?P<line>\d+) (?P<text>.+)$", re.M)
FILES = sorted(p for p in CORPUS.glob("*.yaml") if not p.name.startswith("_"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_problem_reported_at_its_line(path):
    expected = [(m["file"] or path.name, int(m["line"]), m["text"]) for m in ANNOTATION.finditer(path.read_text())]
    assert expected, f"{path.name} declares no problem"
    with pytest.raises(ScenarioError) as info:
        load_scenarios([path], LoadOptions(env={}))
    found = [(Path(p.file).name, p.line, p.message) for p in info.value.problems]
    for file, line, text in expected:
        assert any(f == file and n == line and text in m for f, n, m in found), (
            f"missing {file}:{line} {text!r} in {found}"
        )
    assert len(found) == len(expected), found
    assert all(p.column is not None for p in info.value.problems if p.line is not None)


def test_the_whole_corpus_at_once_reports_every_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenarios([CORPUS], LoadOptions(env={}))
    assert {Path(p.file).name for p in info.value.problems} >= {p.name for p in FILES} - {
        "include-bad-step.yaml",
        "include-cycle.yaml",
    }
