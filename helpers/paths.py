"""Where the course's files are: the repository root and the data folder (notebook 00).

The bottom of the house: every module that reads a course dataset asks here, so the data folder is found in one place.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
