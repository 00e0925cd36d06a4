"""Where the course's files are: the repository root and the data folder (notebook 00).

The bottom of the house: every module that reads a course dataset asks here, so the data folder is found in one place.
Three ways to find it, first match wins:
1. ``COURSE_DATA_DIR`` names a folder (a workshop's edited copy of data/, say);
2. a checkout or an editable install (``make lab``, Colab's clone): ``data/`` beside the ``helpers`` folder;
3. a regular install from a wheel (``pip install .``): the copy of data/ shipped inside the package
   (``helpers/_course/data``, see setup.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_ROOT = PACKAGE_DIR.parent
PACKAGED_ROOT = PACKAGE_DIR / "_course"  # what a wheel holds: _course/data


def is_checkout(root: Path = CHECKOUT_ROOT) -> bool:
    """True when ``root`` is the course repository (its pyproject and data/models.yaml are there)."""
    return (root / "pyproject.toml").is_file() and (root / "data" / "models.yaml").is_file()


def course_root() -> Path:
    """The repository root in a checkout; inside an installed wheel, the folder that holds the shipped data/."""
    return CHECKOUT_ROOT if is_checkout() else PACKAGED_ROOT


def data_dir() -> Path:
    """The course datasets: ``COURSE_DATA_DIR`` if set, else data/ under :func:`course_root`."""
    override = os.environ.get("COURSE_DATA_DIR", "").strip()
    return Path(override).expanduser().resolve() if override else course_root() / "data"


REPO_ROOT = course_root()
DATA_DIR = data_dir()
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"  # only in a checkout: a wheel ships the helpers and data, not the notebooks
# A notebook's name: two digits, an optional letter for a notebook that continues the one before it (06 -> 06b),
# then the topic: 06_evaluating_rag, 06b_when_rag_is_not_the_answer.
NOTEBOOK_NAME = re.compile(r"^(?P<number>\d\d[a-z]?)_\w+$")


def notebooks(suffix: str = ".ipynb", folder: Path | None = None) -> list[Path]:
    """The course's numbered notebooks (or their jupytext ``.py`` pairs) in learning order: 06 before 06b before 07."""
    found = [p for p in (folder or NOTEBOOKS_DIR).glob(f"*{suffix}") if NOTEBOOK_NAME.match(p.stem)]
    return sorted(found, key=notebook_number)


def notebook_number(path: Path | str) -> str:
    """"06b" for notebooks/06b_when_rag_is_not_the_answer.ipynb, "07" for 07_finetuning_data_and_api.py."""
    match = NOTEBOOK_NAME.match(Path(path).stem)
    if not match:
        raise ValueError(f"{Path(path).name} is not a course notebook name (NN_topic or NNx_topic)")
    return match.group("number")
