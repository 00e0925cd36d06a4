"""Embedding cache and vector stores: plain numpy brute force and Qdrant (local mode on disk, or a server).

Numpy cosine search is written out in notebooks/03_naive_rag.ipynb; Qdrant is introduced in
notebooks/04_advanced_rag.ipynb. Caches live under ``$COURSE_CACHE_DIR/rag``; a corrupt or missing cache is rebuilt
with a warning, never a crash, and every write goes to a temporary file that is renamed into place.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import uuid
import warnings
from pathlib import Path

import numpy as np

from helpers import embeddings, env
from helpers.files import atomic_path

EMBEDDING_MODEL = "all-MiniLM-L6-v2"


def rag_cache_dir() -> Path:
    path = env.cache_dir() / "rag"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _cache_file() -> Path:
    return rag_cache_dir() / f"embeddings-{EMBEDDING_MODEL}.npz"


def _load_embedding_cache(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
        if len(keys) != len(vectors):
            raise ValueError("keys and vectors differ in length")
        return dict(zip(keys.tolist(), vectors))
    except Exception as exc:  # any damage: recompute rather than crash
        warnings.warn(f"The embedding cache {path} could not be read ({type(exc).__name__}: {exc}); "
                      "it will be rebuilt.", stacklevel=3)
        return {}


def _cache_lock(path: Path):
    """A lock file beside the embedding cache. Two kernels (or a kernel and a script) that embed at once each
    re-read the cache under this lock, add their vectors and write it back, so neither loses the other's work.
    A lock around the one .npz file keeps the format every reader knows; filelock (a dependency of torch) works on
    Linux, macOS and Windows."""
    from filelock import FileLock

    return FileLock(str(path.with_name(path.name + ".lock")), timeout=600)


def _add_to_embedding_cache(path: Path, new: dict[str, np.ndarray]) -> None:
    """Merge ``new`` vectors into the cache file as it is now on disk (not as this process read it earlier)."""
    with _cache_lock(path):
        table = _load_embedding_cache(path)
        table.update(new)
        _save_embedding_cache(path, table)


def _save_embedding_cache(path: Path, table: dict[str, np.ndarray]) -> None:
    keys = np.array(list(table.keys()))
    vectors = np.stack(list(table.values())).astype(np.float32)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:  # a handle: np.savez would add ".npz" to a name
        np.savez(handle, keys=keys, vectors=vectors)


def embed_texts(texts: list[str], *, cache: bool = True, progress: bool = False, batch_size: int = 64) -> np.ndarray:
    """Unit-length MiniLM embeddings for ``texts`` (rows in input order). With ``cache``, each text is embedded once
    per machine: vectors are stored under ``$COURSE_CACHE_DIR/rag`` keyed by the text's hash."""
    texts = list(texts)
    if not texts:
        return np.zeros((0, embeddings.encoder().get_embedding_dimension()), dtype=np.float32)
    table = _load_embedding_cache(_cache_file()) if cache else {}
    keys = [_text_key(t) for t in texts]
    missing = list(dict.fromkeys(k for k in keys if k not in table))
    if missing:
        by_key = {k: t for k, t in zip(keys, texts)}
        todo = [by_key[k] for k in missing]
        from tqdm.auto import tqdm

        parts = []
        for start in tqdm(range(0, len(todo), batch_size), disable=not progress, desc="embedding chunks"):
            parts.append(embeddings.embed(todo[start:start + batch_size], batch_size=batch_size))
        new = dict(zip(missing, np.concatenate(parts)))
        table.update(new)
        if cache:
            _add_to_embedding_cache(_cache_file(), new)
    return np.stack([table[k] for k in keys]).astype(np.float32)


class NumpyStore:
    """Exact cosine search over unit vectors: one matrix product and a partial sort (the baseline)."""

    name = "numpy"

    def __init__(self, vectors: np.ndarray):
        self.vectors = np.asarray(vectors, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, query: np.ndarray, limit: int) -> list[tuple[int, float]]:
        scores = self.vectors @ np.asarray(query, dtype=np.float32)
        limit = min(limit, len(scores))
        if limit <= 0:
            return []
        best = np.argpartition(-scores, limit - 1)[:limit]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in best]


_LOCAL_CLIENTS: dict[str, object] = {}


@atexit.register
def close_local_clients() -> None:
    """Close the local-mode Qdrant clients (releases their folder lock) before the interpreter tears down."""
    while _LOCAL_CLIENTS:
        _, client = _LOCAL_CLIENTS.popitem()
        client.close()


def qdrant_client_for(path: Path | None = None):
    """A QdrantClient: a server when ``QDRANT_URL`` is set (with ``QDRANT_API_KEY``), else local mode on disk under
    the cache. Local mode allows one client per folder; if another process holds it (two notebooks open), an
    in-memory client is used for this session instead, with a warning."""
    from qdrant_client import QdrantClient

    url = env.setting("QDRANT_URL")
    if url:
        return QdrantClient(url=url, api_key=env.get_secret("QDRANT_API_KEY"))
    folder = Path(path) if path else rag_cache_dir() / "qdrant"
    key = str(folder.resolve())
    if key in _LOCAL_CLIENTS:
        return _LOCAL_CLIENTS[key]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        client = QdrantClient(path=str(folder))
    except Exception as exc:
        if "already accessed" in str(exc):
            warnings.warn(f"{folder} is used by another running notebook or script; this session keeps its Qdrant "
                          "collection in memory instead (rebuilt each time). Close the other kernel to share it.",
                          stacklevel=2)
            client = QdrantClient(location=":memory:")
        else:  # a damaged local store: move it aside and start again
            aside = folder.with_name(f"{folder.name}.damaged-{uuid.uuid4().hex[:6]}")
            warnings.warn(f"The Qdrant store {folder} could not be opened ({type(exc).__name__}: {exc}); moved to "
                          f"{aside.name} and rebuilt.", stacklevel=2)
            shutil.move(str(folder), str(aside))
            folder.mkdir(parents=True)
            client = QdrantClient(path=str(folder))
    _LOCAL_CLIENTS[key] = client
    return client


class QdrantStore:
    """The same search through a Qdrant collection. The collection name carries a fingerprint of the vectors'
    texts, so it is built once and reused until the corpus or the chunking changes; older collections with the
    same ``name`` are deleted."""

    def __init__(self, vectors: np.ndarray, payloads: list[dict], *, name: str, fingerprint: str, client=None):
        from qdrant_client import models

        self.client = client or qdrant_client_for()
        self.name = "qdrant"
        self.collection = f"{name}-{fingerprint}"
        vectors = np.asarray(vectors, dtype=np.float32)
        self.built = False
        if not self._usable(len(vectors)):
            for old in self.client.get_collections().collections:
                if old.name.startswith(f"{name}-"):
                    self.client.delete_collection(old.name)
            self.client.create_collection(self.collection, vectors_config=models.VectorParams(
                size=int(vectors.shape[1]), distance=models.Distance.COSINE))
            self.client.upload_points(self.collection, points=[
                models.PointStruct(id=i, vector=v.tolist(), payload=p) for i, (v, p) in
                enumerate(zip(vectors, payloads))])
            self.built = True
        self._size = len(vectors)

    def _usable(self, expected: int) -> bool:
        try:
            if not self.client.collection_exists(self.collection):
                return False
            if self.client.count(self.collection, exact=True).count == expected:
                return True
        except Exception as exc:  # a damaged collection is rebuilt
            warnings.warn(f"Qdrant collection {self.collection} is unreadable ({exc}); rebuilding it.", stacklevel=3)
        self.client.delete_collection(self.collection)
        return False

    def __len__(self) -> int:
        return self._size

    def search(self, query: np.ndarray, limit: int) -> list[tuple[int, float]]:
        response = self.client.query_points(self.collection, query=np.asarray(query, dtype=np.float32).tolist(),
                                            limit=limit, with_payload=False)
        return [(int(p.id), float(p.score)) for p in response.points]
