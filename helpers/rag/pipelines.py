"""Assemble a retrieval pipeline from named stages, so a widget, a script or a later notebook can ask for
"small-to-big chunks, dense + BM25 fused by RRF, re-ranked by MaxSim" in one call.

Used by the stage picker in notebooks/04_advanced_rag.ipynb and by ``python -m helpers.rag`` (your own folder).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from helpers.rag.chunking import fixed_chunks, small_to_big
from helpers.rag.corpus import Corpus
from helpers.rag.expand import HyDEExpander, MultiQueryExpander
from helpers.rag.rerank import CrossEncoderReranker, LateInteractionReranker, LocalLLMReranker
from helpers.rag.retrieval import (DenseRetriever, ExpandedRetriever, HybridRetriever, ParentDocumentRetriever,
                                   RerankedRetriever, Retriever, bm25_retriever)

RERANKERS = {"maxsim": LateInteractionReranker, "local-llm": LocalLLMReranker, "cross-encoder": CrossEncoderReranker}
EXPANDERS = {"multi-query": MultiQueryExpander, "hyde": HyDEExpander}


@dataclass
class PipelineSpec:
    """The stages of one pipeline. ``retrievers`` is any of "dense" and "bm25"; two are fused by ``fusion``."""

    chunking: str = "fixed"          # "fixed" or "small-to-big"
    chunk_size: int = 200            # words (the small chunks for small-to-big)
    overlap: int = 40                # words
    retrievers: tuple = ("dense",)   # ("dense",), ("bm25",) or ("dense", "bm25")
    fusion: str = "rrf"              # "rrf" or "weighted" (only with two retrievers)
    dense_weight: float = 0.5        # weighted fusion: dense weight; BM25 gets 1 - dense_weight
    rerank: str | None = None        # None, "maxsim", "local-llm" or "cross-encoder"
    rerank_fetch: int = 20           # retrieve N chunks, re-rank, keep k documents
    expand: str | None = None        # None, "multi-query" or "hyde"
    store: str = "numpy"             # "numpy" or "qdrant"

    def label(self) -> str:
        parts = [f"{self.chunking} {self.chunk_size}w", " + ".join(self.retrievers)]
        if len(self.retrievers) > 1:
            parts.append(self.fusion)
        if self.expand:
            parts.append(self.expand)
        if self.rerank:
            parts.append(f"rerank {self.rerank} N={self.rerank_fetch}")
        return " | ".join(parts)


def build_pipeline(corpus: Corpus, spec: PipelineSpec | None = None, **changes) -> Retriever:
    """A ready pipeline for ``corpus``: ``build_pipeline(kb, retrievers=("dense", "bm25"), rerank="maxsim")``."""
    spec = PipelineSpec(**{**asdict(spec or PipelineSpec()), **changes})
    unknown = set(spec.retrievers) - {"dense", "bm25"}
    if unknown or not spec.retrievers:
        raise ValueError(f"retrievers must be 'dense' and/or 'bm25', not {spec.retrievers!r}")
    if spec.chunking == "fixed":
        chunks, parents = fixed_chunks(corpus, spec.chunk_size, spec.overlap), None
    elif spec.chunking == "small-to-big":
        chunks, parents = small_to_big(corpus, spec.chunk_size, spec.overlap)
    else:
        raise ValueError(f"chunking must be 'fixed' or 'small-to-big', not {spec.chunking!r}")
    parts = []
    if "dense" in spec.retrievers:
        parts.append(DenseRetriever(chunks, store=spec.store, collection=f"kb-{spec.chunking}-{spec.chunk_size}"))
    if "bm25" in spec.retrievers:
        parts.append(bm25_retriever(chunks))
    pipeline: Retriever = parts[0]
    if len(parts) > 1:
        weights = [spec.dense_weight, 1 - spec.dense_weight] if spec.fusion == "weighted" else None
        pipeline = HybridRetriever(parts, method=spec.fusion, weights=weights)
    if spec.expand:
        if spec.expand not in EXPANDERS:
            raise ValueError(f"expand must be one of {sorted(EXPANDERS)} or None, not {spec.expand!r}")
        pipeline = ExpandedRetriever(pipeline, EXPANDERS[spec.expand]())
    if parents is not None:
        pipeline = ParentDocumentRetriever(pipeline, parents)
    if spec.rerank:
        if spec.rerank not in RERANKERS:
            raise ValueError(f"rerank must be one of {sorted(RERANKERS)} or None, not {spec.rerank!r}")
        pipeline = RerankedRetriever(pipeline, RERANKERS[spec.rerank](), fetch=spec.rerank_fetch)
    pipeline.name = spec.label()
    pipeline.spec = spec
    return pipeline
