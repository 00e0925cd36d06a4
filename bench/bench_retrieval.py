"""Retrieval benchmark: index build times (course KB and a synthetic corpus), query latency per pipeline, and Qdrant
local mode against plain numpy brute force on the same vectors (identical top-k? speed ratio).

The synthetic corpus is made of the KB's own sentences, shuffled into short documents (seeded), so its vocabulary
and lengths are realistic; its vectors are real MiniLM embeddings. Every figure is from this run; build times are
single runs (they are long), query latencies are per-query percentiles.

Run: python -m bench.bench_retrieval [--docs 10000] [--queries 120]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import machine, save, table

ROOT = Path(__file__).resolve().parent.parent


SCORE_TOLERANCE = 1e-5  # float32 cosine scores computed two ways differ by ~1e-7; more means a different result


def seconds(func):
    start = time.perf_counter()
    value = func()
    return value, time.perf_counter() - start


def synthetic_corpus(kb, n_docs: int, words: int = 70, seed: int = 0):
    """``n_docs`` documents of about ``words`` words, each a random mix of KB sentences."""
    from helpers.rag import Document

    sentences = [s.strip() for d in kb for s in re.split(r"(?<=[.!?])\s+", " ".join(d.text.split())) if len(s) > 30]
    rng = random.Random(seed)
    docs = []
    for i in range(n_docs):
        picked, count = [], 0
        while count < words:
            sentence = rng.choice(sentences)
            picked.append(sentence)
            count += len(sentence.split())
        docs.append(Document(id=f"syn-{i:05d}", title=f"synthetic {i}", text=" ".join(picked)))
    return docs


def percentile_ms(values, q):
    return round(1000 * float(np.percentile(values, q)), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000, help="synthetic corpus size")
    parser.add_argument("--queries", type=int, default=120, help="questions timed per pipeline (max 120)")
    args = parser.parse_args()

    from helpers import rag
    from helpers.rag.index import NumpyStore, QdrantStore, embed_texts
    from helpers.rag.rerank import LateInteractionReranker

    kb = rag.load_corpus(ROOT / "data" / "kb", quiet=True)
    questions = rag.load_qa(ROOT / "data" / "kb_eval.jsonl", kb, quiet=True).questions[: args.queries]
    embed_texts(["warm up the encoder"], cache=False)

    # ---- index builds
    builds = []
    chunks, t = seconds(lambda: rag.fixed_chunks(kb, 200, 40))
    builds.append({"corpus": f"course KB ({len(kb)} docs)", "step": "chunk 200w/40", "items": len(chunks), "seconds": round(t, 2)})
    vectors, t = seconds(lambda: embed_texts([c.text for c in chunks], cache=False))
    builds.append({"corpus": f"course KB ({len(kb)} docs)", "step": "embed (MiniLM, no cache)", "items": len(chunks),
                   "seconds": round(t, 2)})
    _, t = seconds(lambda: rag.bm25_retriever(chunks))
    builds.append({"corpus": f"course KB ({len(kb)} docs)", "step": "BM25 index (llama-index/bm25s)", "items": len(chunks),
                   "seconds": round(t, 2)})

    synthetic, t = seconds(lambda: synthetic_corpus(kb, args.docs))
    syn_chunks = rag.fixed_chunks(synthetic, 200, 40)
    syn_vectors, t = seconds(lambda: embed_texts([c.text for c in syn_chunks], cache=False, batch_size=128))
    builds.append({"corpus": f"synthetic ({args.docs} docs)", "step": "embed (MiniLM, no cache)", "items": len(syn_chunks),
                   "seconds": round(t, 2)})
    _, t = seconds(lambda: rag.bm25_retriever(syn_chunks))
    builds.append({"corpus": f"synthetic ({args.docs} docs)", "step": "BM25 index (llama-index/bm25s)",
                   "items": len(syn_chunks), "seconds": round(t, 2)})

    from qdrant_client import QdrantClient

    folder = Path(tempfile.mkdtemp(prefix="bench-qdrant-"))
    try:
        client = QdrantClient(path=str(folder))
        payloads = [{"chunk_id": c.id, "doc_id": c.doc_id} for c in syn_chunks]
        qdrant, t = seconds(lambda: QdrantStore(syn_vectors, payloads, name="bench", fingerprint="syn", client=client))
        builds.append({"corpus": f"synthetic ({args.docs} docs)", "step": "Qdrant local-mode upload (on disk)",
                       "items": len(syn_chunks), "seconds": round(t, 2)})
        numpy_store = NumpyStore(syn_vectors)

        # ---- Qdrant local mode vs numpy on the same vectors
        query_vectors = embed_texts([q["question"] for q in questions], cache=False)
        same, same_set, score_gaps, times = 0, 0, [], {"numpy": [], "qdrant": []}
        for vector in query_vectors:
            found = {}
            for name, store in (("numpy", numpy_store), ("qdrant", qdrant)):
                start = time.perf_counter()
                found[name] = store.search(vector, 10)
                times[name].append(time.perf_counter() - start)
            numpy_ids, qdrant_ids = ([i for i, _ in found[n]] for n in ("numpy", "qdrant"))
            same += numpy_ids == qdrant_ids
            same_set += set(numpy_ids) == set(qdrant_ids)
            # rank by rank, how far apart the two stores' scores are: near 0 means any difference is a tie's order
            score_gaps.append(max(abs(a[1] - b[1]) for a, b in zip(found["numpy"], found["qdrant"])))
        client.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    stores = [{"store": name, "vectors": len(syn_vectors), "p50_ms": percentile_ms(v, 50), "p95_ms": percentile_ms(v, 95)}
              for name, v in times.items()]
    ratio = np.median(times["qdrant"]) / np.median(times["numpy"])

    # ---- query latency per pipeline on the course KB (question embedding included)
    dense = rag.DenseRetriever(chunks)
    bm25 = rag.bm25_retriever(chunks)
    rrf = rag.HybridRetriever([dense, bm25], method="rrf")
    pipelines = [("dense", dense), ("BM25", bm25), ("hybrid RRF", rrf),
                 ("hybrid RRF + MaxSim re-rank N=20", rag.RerankedRetriever(rrf, LateInteractionReranker(), fetch=20))]
    latency = []
    for name, pipeline in pipelines:
        report = rag.evaluate_retrieval(pipeline, questions, k=10, name=name)
        latency.append({"pipeline": name, "queries": len(questions), "p50_ms": round(report.summary["latency_p50_ms"], 2),
                        "p95_ms": round(report.summary["latency_p95_ms"], 2), "mrr": round(report.summary["mrr"], 3)})

    print("\nIndex builds (single runs)")
    print(table(builds))
    print(f"\nVector search alone, {len(query_vectors)} queries, top-10 on {len(syn_vectors)} vectors")
    print(table(stores))
    print(f"identical top-10: {same}/{len(query_vectors)} queries in the same order, {same_set}/{len(query_vectors)} as "
          f"sets; largest rank-by-rank score difference {max(score_gaps):.2e}; Qdrant local mode / numpy median time = "
          f"{ratio:.1f}x")
    print("\nQuery latency per pipeline on the course KB (includes embedding the question)")
    print(table(latency))
    path = save("retrieval", {"machine": machine(), "builds": builds, "stores": stores,
                              "identical_top10": f"{same}/{len(query_vectors)}",
                              "identical_top10_as_sets": f"{same_set}/{len(query_vectors)}",
                              "largest_rank_score_difference": float(max(score_gaps)),
                              "qdrant_over_numpy": round(float(ratio), 2), "pipelines": latency})
    print("wrote", path)
    # the stores agree when every rank carries the same score (ids may swap only between tied scores)
    return 0 if max(score_gaps) < SCORE_TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
