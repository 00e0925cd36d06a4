"""tools/notebook_times.py: measured run times go into each notebook's box and README's map, wrapped lines and
notes kept; a box without the sentence is reported, not guessed."""

import importlib.util
import json

import pytest

from helpers import paths

spec = importlib.util.spec_from_file_location("notebook_times", paths.REPO_ROOT / "tools" / "notebook_times.py")
nt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nt)

BOX = """# > **Time:** the code runs in about 1.6 min in the quick profile and 6.7 min in the full one, measured on the 2-core
# > reference machine, 2026-11-24 (offline model, no GPU, cold caches); reading and exercises take about 45 min more"""


def test_the_box_sentence_is_rewritten_across_its_line_break():
    new = nt.rewrite_box(BOX, 83.1, 402.0, "2026-12-06")
    assert new.startswith("# > **Time:** the code runs in 1.4 min in the quick profile and 6.7 min in the full one,")
    assert "# > reference machine, 2026-12-06 (offline model" in new and new.count("\n") == 1


def test_every_notebook_box_is_found():
    for source in paths.notebooks(".py"):
        assert nt.rewrite_box(source.read_text(encoding="utf-8"), 60, 120, "2030-01-01") != source.read_text(), source


def test_a_box_without_the_sentence_is_refused():
    with pytest.raises(ValueError, match="no 'the code runs in"):
        nt.rewrite_box("# > **Time:** about an hour", 60, 60, "2026-12-06")


def test_readme_row_keeps_its_notes():
    row = "| 01 | [`01_prompt_patterns.ipynb`](x): tickets | 1.2 min | 5.4 min (40 tickets) |"
    assert nt.rewrite_readme_row(row, 66, 301) == "| 01 | [`01_prompt_patterns.ipynb`](x): tickets | 1.1 min | 5.0 min (40 tickets) |"


def test_clean_times_skip_failed_notebooks(tmp_path):
    result = {"machine": {"when": "2026-12-06 12:00:00"},
              "rows": [{"notebook": "00_start_here.ipynb", "seconds": 45.0, "status": "ok"},
                       {"notebook": "01_prompt_patterns.ipynb", "seconds": 9.0, "status": "failed"}]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(result))
    assert nt.clean_times(path) == ({"00_start_here": 45.0}, "2026-12-06")
