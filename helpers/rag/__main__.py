"""Measure retrieval on your own documents: ``python -m helpers.rag FOLDER [QUESTIONS.jsonl] [--stages ...]``.

Without a question file it prints the corpus summary and the problems found; with one it prints the metrics of a few
pipelines (the same ones notebooks 03-04 measure) on your questions.
"""

from __future__ import annotations

import argparse
import sys

from helpers.rag.corpus import CorpusError, load_corpus, load_qa
from helpers.rag.metrics import ablation_table, evaluate_retrieval
from helpers.rag.pipelines import build_pipeline

PRESETS = {
    "dense": {},
    "bm25": {"retrievers": ("bm25",)},
    "hybrid": {"retrievers": ("dense", "bm25")},
    "hybrid+maxsim": {"retrievers": ("dense", "bm25"), "rerank": "maxsim"},
    "small-to-big": {"chunking": "small-to-big", "chunk_size": 80, "overlap": 10},
}


def positive_int(text: str) -> int:
    """argparse type for counts such as ``--k``: a whole number of at least 1, or a clear usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; use 1 or more, e.g. --k 10") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value} (it is how many documents to retrieve)")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="folder of .md/.txt documents (front matter optional)")
    parser.add_argument("questions", nargs="?", help="JSONL: one {\"question\": ..., \"gold_doc_ids\": [...]} per line")
    parser.add_argument("--pipelines", nargs="+", default=["dense", "bm25", "hybrid"], choices=sorted(PRESETS))
    parser.add_argument("--k", type=positive_int, default=10, help="documents retrieved per question (default 10)")
    args = parser.parse_args(argv)
    try:
        corpus = load_corpus(args.folder, quiet=True)
        print(f"{len(corpus)} documents loaded from {corpus.folder}")
        for problem in corpus.problems:
            print(f"  problem: {problem}")
        if not args.questions:
            return 0
        questions = load_qa(args.questions, corpus, quiet=True)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in questions.problems:
        print(f"  problem: {problem}")
    if not len(questions):
        print("error: no usable question; fix the problems above.", file=sys.stderr)
        return 2
    reports = [evaluate_retrieval(build_pipeline(corpus, **PRESETS[name]), questions, k=args.k, name=name,
                                  progress=True) for name in args.pipelines]
    print(ablation_table(reports).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
