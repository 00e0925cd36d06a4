"""Retrieval metrics on rankings computed by hand, and fusion on small made-up rankings."""

from __future__ import annotations

import math

import pytest

from helpers.rag import hit_at_k, ndcg_at_k, recall_at_k, reciprocal_rank, rrf_fuse, weighted_fuse
from helpers.rag.chunking import Chunk
from helpers.rag.metrics import evaluate_retrieval
from helpers.rag.retrieval import Hit, ScoredChunk, collapse

RANKED = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("gold, k, expected", [
    (["a"], 1, 1.0), (["b"], 1, 0.0), (["b"], 3, 1.0), (["e"], 3, 0.0), (["e"], 5, 1.0), (["z"], 5, 0.0),
    (["z", "c"], 3, 1.0), ([], 5, 0.0)])
def test_hit_at_k(gold, k, expected):
    assert hit_at_k(RANKED, gold, k) == expected


@pytest.mark.parametrize("gold, expected", [(["a"], 1.0), (["c"], 1 / 3), (["z", "d", "b"], 0.5), (["z"], 0.0)])
def test_reciprocal_rank(gold, expected):
    assert reciprocal_rank(RANKED, gold) == pytest.approx(expected)


def test_ndcg_by_hand():
    # gold b and d at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal = 1/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RANKED, ["b", "d"], 10) == pytest.approx(expected)
    assert ndcg_at_k(RANKED, ["a", "b"], 10) == pytest.approx(1.0)
    assert ndcg_at_k(RANKED, ["e"], 3) == 0.0
    assert ndcg_at_k(RANKED, [], 10) == 0.0
    # more gold documents than k: the ideal ranking is cut at k too
    assert ndcg_at_k(["a"], ["a", "b", "c"], 1) == pytest.approx(1.0)


def test_recall_at_k():
    assert recall_at_k(RANKED, ["a", "z"], 5) == 0.5
    assert recall_at_k(RANKED, ["a", "d"], 3) == 0.5
    assert recall_at_k(RANKED, ["a", "b"], 2) == 1.0


def _chunk(cid: str, doc: str | None = None) -> Chunk:
    return Chunk(id=cid, doc_id=doc or cid.split("#")[0], text=cid)


def _ranking(ids, scores=None):
    scores = scores or [1.0 / (i + 1) for i in range(len(ids))]
    return [ScoredChunk(_chunk(i), s) for i, s in zip(ids, scores)]


def test_rrf_by_hand():
    fused = rrf_fuse([_ranking(["x", "y", "z"]), _ranking(["y", "z", "w"])], k=60)
    scores = {s.chunk.id: s.score for s in fused}
    assert scores["y"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["x"] == pytest.approx(1 / 61)
    assert scores["w"] == pytest.approx(1 / 63)
    assert [s.chunk.id for s in fused] == ["y", "z", "x", "w"]


def test_rrf_weights_change_the_winner():
    a, b = _ranking(["x", "y"]), _ranking(["y", "x"])
    assert rrf_fuse([a, b], weights=[2.0, 1.0])[0].chunk.id == "x"
    assert rrf_fuse([a, b], weights=[1.0, 2.0])[0].chunk.id == "y"


def test_weighted_fusion_normalises_scales():
    dense = _ranking(["x", "y", "z"], [0.9, 0.8, 0.1])      # min-max -> 1.0, 0.875, 0.0
    bm25 = _ranking(["z", "y"], [30.0, 10.0])                # -> 1.0, 0.0
    fused = {s.chunk.id: s.score for s in weighted_fuse([dense, bm25], [0.5, 0.5])}
    assert fused["x"] == pytest.approx(0.5)
    assert fused["y"] == pytest.approx(0.4375)
    assert fused["z"] == pytest.approx(0.5)


def test_collapse_keeps_k_distinct_documents_in_order():
    scored = [ScoredChunk(_chunk("d1#c0"), 0.9), ScoredChunk(_chunk("d2#c0"), 0.8), ScoredChunk(_chunk("d1#c1"), 0.7),
              ScoredChunk(_chunk("d3#c0"), 0.6)]
    hits = collapse(scored, 2)
    assert [h.doc_id for h in hits] == ["d1", "d2"]
    assert [c.id for c in hits[0].chunks] == ["d1#c0", "d1#c1"]
    assert hits[0].score == 0.9


class _Fixed:
    """A pipeline returning a fixed ranking, to check evaluate_retrieval's bookkeeping."""

    name = "fixed"

    def __init__(self, ranking):
        self.ranking = ranking

    def retrieve(self, query, k):
        return [Hit(d, 1.0 - i / 10) for i, d in enumerate(self.ranking[:k])]

    def extra_seconds(self, query):
        return 0.5


def test_evaluate_retrieval_scores_answerable_only():
    questions = [{"id": "q1", "question": "one", "type": "paraphrase", "gold_doc_ids": ["b"]},
                 {"id": "q2", "question": "two", "type": "exact_identifier", "gold_doc_ids": ["a"]},
                 {"id": "q3", "question": "three", "type": "unanswerable", "gold_doc_ids": []}]
    report = evaluate_retrieval(_Fixed(["a", "b", "c"]), questions, k=3)
    assert report.summary["questions"] == 3 and report.summary["scored"] == 2
    assert report.summary["hit@1"] == pytest.approx(0.5)
    assert report.summary["mrr"] == pytest.approx((0.5 + 1.0) / 2)
    assert report.summary["latency_p50_ms"] >= 500  # the reported model time is added
    assert list(report.by_type.index) == ["paraphrase", "exact_identifier"]
    assert report.by_type.loc["paraphrase", "hit@3"] == 1.0
