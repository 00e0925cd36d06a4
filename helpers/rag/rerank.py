"""Re-rankers: score (query, passage) pairs more carefully than the first-stage retriever did.

Taught in notebooks/04_advanced_rag.ipynb. The usual choice is a cross-encoder trained for the job
(``cross-encoder/ms-marco-MiniLM-L-6-v2``), which comes from the Hugging Face Hub. Offline, the course has no
packaged cross-encoder, so it offers two real model-based re-rankers that work from the installed packages, and
says plainly what they are:

* :class:`LateInteractionReranker`: ColBERT-style MaxSim over the packaged MiniLM's *token* embeddings. MiniLM was
  trained for sentence embeddings, not for late interaction, so this is an approximation of ColBERT, not ColBERT.
* :class:`LocalLLMReranker`: the local SmolLM2-135M asked "does this passage answer the question?", scored by the
  log-odds of "Yes" over "No" in its next-token distribution.
"""

from __future__ import annotations

import numpy as np

CROSS_ENCODER = "cross-encoder/ms-marco-MiniLM-L-6-v2"


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder (needs the Hub, or the model in the Hugging Face cache)."""

    def __init__(self, model_name: str = CROSS_ENCODER):
        from sentence_transformers import CrossEncoder

        from helpers import env

        try:
            self.model = CrossEncoder(model_name, device="cuda" if env.gpu_info() else "cpu")
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"Could not load the cross-encoder {model_name!r} ({type(exc).__name__}). It is "
                               "downloaded from the Hugging Face Hub the first time; offline, use "
                               "LateInteractionReranker or LocalLLMReranker instead.") from exc
        self.name = f"cross-encoder {model_name.split('/')[-1]}"

    @classmethod
    def available(cls, model_name: str = CROSS_ENCODER) -> bool:
        """Whether the model loads here (it is in the local Hugging Face cache or the Hub answers)."""
        try:
            cls(model_name)
        except RuntimeError:
            return False
        return True

    def score(self, query: str, passages: list[str]) -> np.ndarray:
        return np.asarray(self.model.predict([(query, p) for p in passages], show_progress_bar=False), dtype=float)


class LateInteractionReranker:
    """MaxSim scoring: every query token finds its most similar passage token (cosine of MiniLM token embeddings);
    the passage's score is the mean of those maxima. Passage token embeddings are kept in memory per text."""

    name = "late-interaction MaxSim (packaged MiniLM tokens; not a trained ColBERT)"

    def __init__(self, max_cached: int = 20000):
        self._cache: dict[str, np.ndarray] = {}
        self.max_cached = max_cached

    @staticmethod
    def _token_vectors(texts: list[str]) -> list[np.ndarray]:
        from helpers import embeddings

        outputs = embeddings.encoder().encode(texts, output_value="token_embeddings", convert_to_numpy=False,
                                              show_progress_bar=False, batch_size=32)
        vectors = []
        for tensor in outputs:
            array = tensor.float().cpu().numpy()
            array /= np.linalg.norm(array, axis=1, keepdims=True) + 1e-12
            vectors.append(array)
        return vectors

    def score(self, query: str, passages: list[str]) -> np.ndarray:
        missing = [p for p in dict.fromkeys(passages) if p not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > self.max_cached:
                self._cache.clear()
            self._cache.update(zip(missing, self._token_vectors(missing)))
        query_vectors = self._token_vectors([query])[0]
        return np.array([float((query_vectors @ self._cache[p].T).max(axis=1).mean()) for p in passages])


class LocalLLMReranker:
    """Relevance judged by the local chat model: log P("Yes") - log P("No") for the first answer token after a
    yes/no question about the (question, passage) pair. Passages are cut to ``max_words``; pairs are scored in
    left-padded batches."""

    name = "local LLM yes/no (SmolLM2-135M log-odds)"

    def __init__(self, max_words: int = 180, batch_size: int = 8):
        self.max_words, self.batch_size = max_words, batch_size

    def _ids(self, engine, query: str, passage: str) -> list[int]:
        passage = " ".join(passage.split()[: self.max_words])
        messages = [{"role": "user", "content": f"Passage:\n{passage}\n\nQuestion: {query}\n\n"
                                                 "Does the passage answer the question? Reply Yes or No."}]
        return engine.encode_chat(messages)

    def score(self, query: str, passages: list[str]) -> np.ndarray:
        import torch

        from helpers.local_model import get_engine

        engine = get_engine()
        tokenizer = engine.tokenizer
        yes = [tokenizer.encode(w, add_special_tokens=False)[0] for w in ("Yes", " Yes", "yes")]
        no = [tokenizer.encode(w, add_special_tokens=False)[0] for w in ("No", " No", "no")]
        prompts = [self._ids(engine, query, p) for p in passages]
        scores = np.zeros(len(prompts))
        for first in range(0, len(prompts), self.batch_size):
            part = prompts[first:first + self.batch_size]
            ids, mask = engine.left_padded(part)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            with engine.lock, torch.inference_mode():
                logits = engine.batch_model(input_ids=ids.to(engine.device), attention_mask=mask.to(engine.device),
                                            position_ids=positions.to(engine.device)).logits[:, -1, :].float()
            logp = torch.log_softmax(logits, dim=-1)
            score = torch.logsumexp(logp[:, yes], dim=-1) - torch.logsumexp(logp[:, no], dim=-1)
            scores[first:first + len(part)] = score.cpu().numpy()
        return scores
