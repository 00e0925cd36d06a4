"""Write measured notebook run times into the places a learner reads them: the "Time" line of each notebook's box and
the two time columns of README's notebook map (tests/test_notebook_structure.py checks that they agree).

The times come from two `python -m bench.bench_notebooks` results (bench/results/notebooks-*.json): a quick-profile
run and a full-profile run, each from cold caches on the reference machine. Only notebooks that ran cleanly in both
are rewritten; the others are listed and keep their old times. Edit the notebooks' .py sources, then run
`python tools/sync_notebooks.py` and republish the reference copies (a box edit changes a notebook's source).

Run: python tools/notebook_times.py --quick bench/results/notebooks-quick-X.json --full bench/results/notebooks-full-Y.json
     (add --dry-run to print the changes without writing)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
README = ROOT / "README.md"
# the box's sentence, in a notebook's .py source: it may wrap onto a "# > " line anywhere between its words
GAP = r"(?:\s|\n# > ?)+"
BOX_TIME = re.compile(r"the code runs in(?P<g1>" + GAP + r")(?:about" + GAP + r")?[\d.]+(?P<g2>" + GAP + r")min"
                      r"(?P<g3>" + GAP + r")in(?P<rest1>" + GAP + r"the" + GAP + r"quick" + GAP + r"profile" + GAP
                      + r"and" + GAP + r")[\d.]+(?P<g4>" + GAP + r")min(?P<rest2>" + GAP + r"in" + GAP + r"the" + GAP
                      + r"full" + GAP + r"one," + GAP + r"measured" + GAP + r"on" + GAP + r"the" + GAP + r"2-core"
                      + GAP + r"reference" + GAP + r"machine," + GAP + r")\d{4}-\d\d-\d\d")
MINUTES = re.compile(r"(?:about )?\d+(?:\.\d+)? min")


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def clean_times(result_path: Path) -> tuple[dict[str, float], str]:
    """({notebook stem: seconds} for the notebooks that ran cleanly, the run's date) from one bench_notebooks result."""
    result = json.loads(result_path.read_text(encoding="utf-8"))
    times = {Path(r["notebook"]).stem: r["seconds"] for r in result["rows"] if r["status"] == "ok"}
    return times, result["machine"]["when"][:10]


def rewrite_box(source: str, quick: float, full: float, date: str) -> str:
    """The .py source with its box's quick and full times and date replaced; ValueError if the box is not found."""
    def replace(m: re.Match) -> str:
        return (f"the code runs in{m['g1']}{minutes(quick).replace(' min', '')}{m['g2']}min{m['g3']}in{m['rest1']}"
                f"{minutes(full).replace(' min', '')}{m['g4']}min{m['rest2']}{date}")

    new, count = BOX_TIME.subn(replace, source, count=1)
    if count != 1:
        raise ValueError("no 'the code runs in X min in the quick profile and Y min in the full one, measured on the "
                         "2-core reference machine, DATE' sentence in the box")
    return new


def rewrite_readme_row(line: str, quick: float, full: float) -> str:
    """A notebook-map row with its last two cells' first times replaced (notes such as "(40 tickets)" stay)."""
    cells = line.rstrip().rstrip("|").split("|")
    cells[-2] = MINUTES.sub(minutes(quick), cells[-2], count=1)
    cells[-1] = MINUTES.sub(minutes(full), cells[-1], count=1)
    return "|".join(cells) + "|"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", type=Path, required=True, help="a quick-profile bench_notebooks result (JSON)")
    parser.add_argument("--full", type=Path, required=True, help="a full-profile bench_notebooks result (JSON)")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    args = parser.parse_args(argv)
    (quick, quick_date), (full, full_date) = clean_times(args.quick), clean_times(args.full)
    date = max(quick_date, full_date)
    readme = README.read_text(encoding="utf-8").splitlines()
    changed, skipped = [], []
    for source in sorted(NOTEBOOKS_DIR.glob("*.py")):
        stem = source.stem
        number = stem.split("_")[0]
        if stem not in quick or stem not in full:
            skipped.append(f"{stem}: not run cleanly in both results")
            continue
        text = source.read_text(encoding="utf-8")
        try:
            new_text = rewrite_box(text, quick[stem], full[stem], date)
        except ValueError as exc:
            skipped.append(f"{stem}: {exc}")
            continue
        rows = [i for i, line in enumerate(readme) if line.startswith(f"| {number} |")]
        if len(rows) != 1:
            skipped.append(f"{stem}: README's notebook map has {len(rows)} rows for {number}")
            continue
        readme[rows[0]] = rewrite_readme_row(readme[rows[0]], quick[stem], full[stem])
        changed.append(f"{stem}: quick {minutes(quick[stem])}, full {minutes(full[stem])}, {date}")
        if not args.dry_run and new_text != text:
            source.write_text(new_text, encoding="utf-8")
    if not args.dry_run:
        README.write_text("\n".join(readme) + "\n", encoding="utf-8")
    print("\n".join(["updated:" if not args.dry_run else "would update:", *changed]
                    + (["kept their old times:", *skipped] if skipped else [])))
    if changed and not args.dry_run:
        print("next: python tools/sync_notebooks.py, then republish the reference copies (bench.bench_notebooks "
              "--only-full --publish); README's text under the map still names the old run: edit it")
    return 0 if changed else 1


if __name__ == "__main__":
    sys.exit(main())
