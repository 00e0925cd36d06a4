"""The course's pieces in llama-index terms: chunks as TextNodes, the packaged MiniLM as the embedding model, and
the course's LLM (whichever provider is active, through the real SDKs) as a llama-index LLM.

Used in notebooks/03_naive_rag.ipynb ("the same with llama-index") and for BM25 in notebooks/04_advanced_rag.ipynb.
Every object is passed explicitly: llama-index's global defaults would reach for OpenAI.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.schema import TextNode

from helpers.rag.chunking import Chunk


def to_nodes(chunks: list[Chunk]) -> list[TextNode]:
    """One TextNode per chunk; the node id is the chunk id, and the document id travels in the metadata."""
    nodes = []
    for c in chunks:
        node = TextNode(id_=c.id, text=c.text, metadata={"doc_id": c.doc_id, "title": c.title,
                                                          "parent_id": c.parent_id or ""})
        node.excluded_embed_metadata_keys = ["doc_id", "title", "parent_id"]
        node.excluded_llm_metadata_keys = ["parent_id", "title"]
        nodes.append(node)
    return nodes


def embedding_model():
    """llama-index's HuggingFaceEmbedding on the packaged all-MiniLM-L6-v2 folder (no download)."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from helpers import embeddings, env

    return HuggingFaceEmbedding(model_name=str(embeddings.model_dir()), device="cuda" if env.gpu_info() else "cpu",
                                embed_batch_size=64)


class CourseLLM(CustomLLM):
    """A llama-index LLM that answers through ``helpers.llm.complete``: Claude, GPT or the offline model, with the
    course's cost tracking and budget cap."""

    provider: str | None = None
    model: str | None = None
    max_tokens: int = 160
    context_window: int = 8192

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.context_window, num_output=self.max_tokens,
                           model_name=self.model or "course-default")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        from helpers import llm

        answer = llm.complete(prompt, provider=self.provider, model=self.model, max_tokens=self.max_tokens)
        return CompletionResponse(text=answer.text, raw={"model": answer.model_answered,
                                                         "input_tokens": answer.input_tokens,
                                                         "output_tokens": answer.output_tokens})

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        response = self.complete(prompt, formatted=formatted)
        yield CompletionResponse(text=response.text, delta=response.text, raw=response.raw)
