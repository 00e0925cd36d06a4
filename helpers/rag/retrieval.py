"""Retrievers as small composable pieces with one interface.

Every piece has ``search(query, n)`` returning the best chunks with scores, and ``retrieve(query, k)`` returning the
best *documents* (each with its score and its retrieved chunks). Dense and the from-scratch pipeline are taught in
notebooks/03_naive_rag.ipynb; BM25, fusion, re-ranking, query expansion and parent documents in
notebooks/04_advanced_rag.ipynb, one at a time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from helpers.rag.chunking import Chunk
from helpers.rag.index import NumpyStore, QdrantStore, embed_texts


@dataclass
class ScoredChunk:
    chunk: Chunk
    score: float


@dataclass
class Hit:
    """One retrieved document: its id, its best score, and the chunks that brought it in (best first)."""

    doc_id: str
    score: float
    chunks: list[Chunk] = field(default_factory=list)


def collapse(scored: list[ScoredChunk], k: int) -> list[Hit]:
    """Chunks (best first) to the ``k`` best distinct documents, keeping each document's chunks."""
    hits: dict[str, Hit] = {}
    for item in scored:
        hit = hits.get(item.chunk.doc_id)
        if hit is None:
            if len(hits) >= k:
                continue
            hits[item.chunk.doc_id] = hit = Hit(item.chunk.doc_id, item.score)
        hit.chunks.append(item.chunk)
    return list(hits.values())


class Retriever:
    """Base class: subclasses implement ``search``; ``retrieve`` and ``extra_seconds`` come for free."""

    name = "retriever"
    fetch_factor = 4  # chunks fetched per wanted document, so k distinct documents survive collapsing

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        raise NotImplementedError

    def retrieve(self, query: str, k: int = 5) -> list[Hit]:
        if not isinstance(query, str) or not query.strip():
            raise ValueError("query must be a non-empty string")
        return collapse(self.search(query, max(k * self.fetch_factor, k)), k)

    def extra_seconds(self, query: str) -> float:
        """Model time spent for ``query`` outside this process's wall clock (e.g. a cached LLM call), for latency."""
        return 0.0

    def prepare(self, queries: list[str], progress: bool = False) -> None:
        """Batch any LLM work for ``queries`` ahead of the per-query loop (a no-op unless a stage has some)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def chunks_fingerprint(chunks: list[Chunk]) -> str:
    digest = hashlib.sha256()
    for c in chunks:
        digest.update(f"{c.id}\x00{c.text}\x00".encode())
    return digest.hexdigest()[:16]


class DenseRetriever(Retriever):
    """Embed chunks once (cached), embed the query, return nearest chunks by cosine. ``store`` is "numpy" (exact
    brute force) or "qdrant" (local mode on disk, or the server named by QDRANT_URL)."""

    def __init__(self, chunks: list[Chunk], *, store: str = "numpy", name: str = "dense", progress: bool = False,
                 collection: str = "course"):
        if not chunks:
            raise ValueError("DenseRetriever needs at least one chunk; did the corpus load any documents?")
        self.chunks, self.name = list(chunks), name
        vectors = embed_texts([self.embedding_text(c) for c in self.chunks], progress=progress)
        if store == "numpy":
            self.store = NumpyStore(vectors)
        elif store == "qdrant":
            payloads = [{"chunk_id": c.id, "doc_id": c.doc_id} for c in self.chunks]
            self.store = QdrantStore(vectors, payloads, name=collection, fingerprint=chunks_fingerprint(self.chunks))
        else:
            raise ValueError(f"store must be 'numpy' or 'qdrant', not {store!r}")

    @staticmethod
    def embedding_text(chunk: Chunk) -> str:
        return chunk.text

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        vector = embed_texts([query], cache=False)[0]
        return [ScoredChunk(self.chunks[i], s) for i, s in self.store.search(vector, n)]


class LlamaIndexRetriever(Retriever):
    """Adapter: any llama-index retriever (returning NodeWithScore) behind the course interface. Nodes must carry
    the chunk id as their ``id_`` (see :func:`helpers.rag.llamaindex.to_nodes`)."""

    def __init__(self, retriever, chunks: list[Chunk], *, name: str, top_k_attr: str = "similarity_top_k"):
        self.inner, self.name = retriever, name
        self.by_id = {c.id: c for c in chunks}
        self.top_k_attr = top_k_attr

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        n = min(n, len(self.by_id))  # bm25s refuses a top-k larger than the corpus
        for attr in (self.top_k_attr, f"_{self.top_k_attr}"):
            if hasattr(self.inner, attr):
                setattr(self.inner, attr, n)
                break
        return [ScoredChunk(self.by_id[r.node.node_id], float(r.score or 0.0)) for r in self.inner.retrieve(query)
                if r.node.node_id in self.by_id][:n]


def bm25_retriever(chunks: list[Chunk], *, name: str = "bm25") -> LlamaIndexRetriever:
    """BM25 keyword search: llama-index's BM25Retriever (bm25s underneath) with English stemming and stop words."""
    import Stemmer
    from llama_index.retrievers.bm25 import BM25Retriever

    from helpers.rag.llamaindex import to_nodes

    inner = BM25Retriever.from_defaults(nodes=to_nodes(chunks), similarity_top_k=10,
                                        stemmer=Stemmer.Stemmer("english"), language="english")
    return LlamaIndexRetriever(inner, chunks, name=name)


def rrf_fuse(rankings: list[list[ScoredChunk]], *, k: int = 60, weights: list[float] | None = None) -> list[ScoredChunk]:
    """Reciprocal rank fusion: score = sum over rankings of weight / (k + rank), rank starting at 1. Ignores the
    retrievers' raw scores, which live on different scales."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    chunk_of: dict[str, Chunk] = {}
    for weight, ranking in zip(weights, rankings):
        for rank, item in enumerate(ranking, start=1):
            scores[item.chunk.id] = scores.get(item.chunk.id, 0.0) + weight / (k + rank)
            chunk_of.setdefault(item.chunk.id, item.chunk)
    order = sorted(scores, key=lambda cid: -scores[cid])
    return [ScoredChunk(chunk_of[cid], scores[cid]) for cid in order]


def weighted_fuse(rankings: list[list[ScoredChunk]], weights: list[float]) -> list[ScoredChunk]:
    """Weighted score fusion: each ranking's scores min-max normalised to [0, 1], then summed with ``weights``. A
    chunk missing from a ranking scores 0 there."""
    scores: dict[str, float] = {}
    chunk_of: dict[str, Chunk] = {}
    for weight, ranking in zip(weights, rankings):
        if not ranking:
            continue
        raw = np.array([item.score for item in ranking], dtype=float)
        span = raw.max() - raw.min()
        normalised = (raw - raw.min()) / span if span > 0 else np.ones_like(raw)
        for item, value in zip(ranking, normalised):
            scores[item.chunk.id] = scores.get(item.chunk.id, 0.0) + weight * float(value)
            chunk_of.setdefault(item.chunk.id, item.chunk)
    order = sorted(scores, key=lambda cid: -scores[cid])
    return [ScoredChunk(chunk_of[cid], scores[cid]) for cid in order]


class HybridRetriever(Retriever):
    """Several retrievers over the same chunks, fused by ``method`` "rrf" or "weighted". Each retriever is asked
    for ``fetch`` chunks before fusing."""

    def __init__(self, retrievers: list[Retriever], *, method: str = "rrf", weights: list[float] | None = None,
                 rrf_k: int = 60, fetch: int = 40, name: str | None = None):
        if method not in ("rrf", "weighted"):
            raise ValueError(f"method must be 'rrf' or 'weighted', not {method!r}")
        if weights is not None and len(weights) != len(retrievers):
            raise ValueError(f"{len(weights)} weights for {len(retrievers)} retrievers")
        self.retrievers, self.method, self.rrf_k, self.fetch = retrievers, method, rrf_k, fetch
        self.weights = weights or [1.0] * len(retrievers)
        self.name = name or f"{'+'.join(r.name for r in retrievers)} ({method})"

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        rankings = [r.search(query, max(n, self.fetch)) for r in self.retrievers]
        fused = (rrf_fuse(rankings, k=self.rrf_k, weights=self.weights) if self.method == "rrf"
                 else weighted_fuse(rankings, self.weights))
        return fused[:n]

    def extra_seconds(self, query: str) -> float:
        return sum(r.extra_seconds(query) for r in self.retrievers)

    def prepare(self, queries: list[str], progress: bool = False) -> None:
        for retriever in self.retrievers:
            retriever.prepare(queries, progress)


class RerankedRetriever(Retriever):
    """Retrieve ``fetch`` candidate chunks with ``base``, score each (query, chunk) pair with ``reranker``, keep the
    best. The classic "retrieve N, re-rank to k"."""

    def __init__(self, base: Retriever, reranker, *, fetch: int = 20, name: str | None = None):
        self.base, self.reranker, self.fetch = base, reranker, fetch
        self.name = name or f"{base.name} + {reranker.name} (N={fetch})"

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        candidates = self.base.search(query, max(self.fetch, 1))
        if not candidates:
            return []
        scores = self.reranker.score(query, [c.chunk.text for c in candidates])
        order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
        return [ScoredChunk(candidates[i].chunk, float(scores[i])) for i in order[:n]]

    def retrieve(self, query: str, k: int = 5) -> list[Hit]:
        # the re-ranker sees only `fetch` chunks: ask for all of them, then keep k documents
        return collapse(self.search(query, self.fetch), k)

    def extra_seconds(self, query: str) -> float:
        return self.base.extra_seconds(query)

    def prepare(self, queries: list[str], progress: bool = False) -> None:
        self.base.prepare(queries, progress)


class ExpandedRetriever(Retriever):
    """Query expansion: search with the original query and each variant the ``expander`` writes, fuse by RRF."""

    def __init__(self, base: Retriever, expander, *, rrf_k: int = 60, name: str | None = None,
                 original_weight: float = 1.0):
        self.base, self.expander, self.rrf_k, self.original_weight = base, expander, rrf_k, original_weight
        self.name = name or f"{base.name} + {expander.name}"

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        variants = self.expander.variants(query)
        rankings = [self.base.search(q, max(n, 20)) for q in [query, *variants]]
        weights = [self.original_weight] + [1.0] * len(variants)
        return rrf_fuse(rankings, k=self.rrf_k, weights=weights)[:n]

    def extra_seconds(self, query: str) -> float:
        return self.base.extra_seconds(query) + self.expander.seconds(query)

    def prepare(self, queries: list[str], progress: bool = False) -> None:
        self.expander.prepare(queries, progress)
        self.base.prepare(queries, progress)


class ParentDocumentRetriever(Retriever):
    """Small-to-big: search small chunks (precise matches), return their parent sections (enough context to
    answer). A parent scores as its best child."""

    fetch_factor = 6

    def __init__(self, small: Retriever, parents: dict[str, Chunk], *, name: str | None = None):
        self.small, self.parents = small, parents
        self.name = name or f"{small.name} -> parent sections"

    def search(self, query: str, n: int) -> list[ScoredChunk]:
        out: dict[str, ScoredChunk] = {}
        for item in self.small.search(query, n * 4):
            parent_id = item.chunk.parent_id
            if parent_id is None or parent_id not in self.parents:
                raise ValueError(f"chunk {item.chunk.id} has no known parent; build chunks with small_to_big()")
            if parent_id not in out:
                out[parent_id] = ScoredChunk(self.parents[parent_id], item.score)
            if len(out) >= n:
                break
        return list(out.values())

    def extra_seconds(self, query: str) -> float:
        return self.small.extra_seconds(query)

    def prepare(self, queries: list[str], progress: bool = False) -> None:
        self.small.prepare(queries, progress)
