"""Retrieval-augmented generation, in small composable pieces (notebooks 03-06b and 10).

Point it at your own folder: ``corpus = load_corpus("my_docs")``, ``questions = load_qa("my_questions.jsonl",
corpus)``, ``report = evaluate_retrieval(build_pipeline(corpus), questions)``; or from a shell,
``python -m helpers.rag my_docs my_questions.jsonl``.
"""

from helpers.rag.answer import answer_questions, answer_summary, check_answer, rag_prompt
from helpers.rag.chunking import Chunk, fixed_chunks, sections, small_to_big
from helpers.rag.corpus import Corpus, CorpusError, Document, Problem, QuestionSet, load_corpus, load_qa
from helpers.rag.metrics import (ablation_table, evaluate_retrieval, hit_at_k, ndcg_at_k, recall_at_k,
                                 reciprocal_rank)
from helpers.rag.pipelines import PipelineSpec, build_pipeline
from helpers.rag.retrieval import (DenseRetriever, ExpandedRetriever, HybridRetriever, Hit, ParentDocumentRetriever,
                                   RerankedRetriever, Retriever, bm25_retriever, rrf_fuse, weighted_fuse)

__all__ = [
    "Chunk", "Corpus", "CorpusError", "DenseRetriever", "Document", "ExpandedRetriever", "Hit", "HybridRetriever",
    "ParentDocumentRetriever", "PipelineSpec", "Problem", "QuestionSet", "RerankedRetriever", "Retriever",
    "ablation_table", "answer_questions", "answer_summary", "bm25_retriever", "build_pipeline", "check_answer",
    "evaluate_retrieval", "fixed_chunks", "hit_at_k", "load_corpus", "load_qa", "ndcg_at_k", "rag_prompt",
    "recall_at_k", "reciprocal_rank", "rrf_fuse", "sections", "small_to_big", "weighted_fuse",
]
