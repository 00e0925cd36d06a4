"""The whole retrieval pipeline on a folder made on the fly (not the course data): every stage, the caches, and
the answer checks."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import rag
from helpers.rag import index as rag_index
from helpers.rag.answer import check_answer, context_block, normalise

DOCS = {
    "billing-refunds": ("Refunds", "Monthly plans can be refunded in full within 14 days of the charge. Annual plans "
                                   "within 30 days. Duplicate charges are always refunded within 5 business days."),
    "api-errors": ("API error codes", "Error QX-4410 means the token has expired; request a new token. Error "
                                      "QX-5120 means the export is too large; split it into pages of 500 rows."),
    "sso-setup": ("Single sign-on", "Connect your identity provider with SAML 2.0. Upload the metadata XML, map the "
                                    "email attribute, then test the login with a second browser."),
    "alerts": ("Alerts", "An alert fires when a tile's value crosses its threshold. Alerts can notify email, Slack "
                         "or a webhook, and are evaluated every five minutes."),
    "retention": ("Data retention", "Deleted workspaces are kept for 30 days, then purged. Backups are kept for "
                                    "90 days and encrypted at rest."),
    "mobile-app": ("Mobile app", "The phone app shows boards read-only. Push notifications mirror your alert "
                                 "settings; offline mode keeps the last synced values."),
}
QUESTIONS = [
    {"id": "t1", "question": "What does QX-4410 mean?", "type": "exact_identifier", "gold_doc_ids": ["api-errors"],
     "reference_facts": ["expired"]},
    {"id": "t2", "question": "How long do I have to get my money back on a monthly subscription?",
     "type": "paraphrase", "gold_doc_ids": ["billing-refunds"], "reference_facts": ["14 days"]},
    {"id": "t3", "question": "How do I log in with our company's identity provider?", "type": "paraphrase",
     "gold_doc_ids": ["sso-setup"], "reference_facts": ["SAML"]},
    {"id": "t4", "question": "Do you have a discount for schools?", "type": "unanswerable", "gold_doc_ids": [],
     "reference_facts": []},
]


@pytest.fixture()
def corpus(tmp_path, monkeypatch):
    monkeypatch.setattr(rag_index, "rag_cache_dir", lambda: tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    folder = tmp_path / "docs"
    folder.mkdir()
    for doc_id, (title, body) in DOCS.items():
        filler = " ".join(f"{title.lower()} detail {i}." for i in range(30))
        (folder / f"{doc_id}.md").write_text(f"---\nid: {doc_id}\ntitle: {title}\n---\n# {title}\n\n{body}\n\n"
                                             f"## More\n{filler}\n", encoding="utf-8")
    return rag.load_corpus(folder)


def test_bm25_finds_the_error_code(corpus):
    pipeline = rag.build_pipeline(corpus, retrievers=("bm25",), chunk_size=40, overlap=5)
    assert pipeline.retrieve("QX-4410", 3)[0].doc_id == "api-errors"


def test_dense_finds_paraphrases_and_numpy_equals_qdrant(corpus):
    numpy_pipe = rag.build_pipeline(corpus, chunk_size=40, overlap=5)
    qdrant_pipe = rag.build_pipeline(corpus, chunk_size=40, overlap=5, store="qdrant")
    for q in QUESTIONS[1:3]:
        hits = numpy_pipe.retrieve(q["question"], 3)
        assert hits[0].doc_id == q["gold_doc_ids"][0]
        assert [h.doc_id for h in qdrant_pipe.retrieve(q["question"], 3)] == [h.doc_id for h in hits]
    # the collection is reused, not rebuilt, for the same chunks
    again = rag.build_pipeline(corpus, chunk_size=40, overlap=5, store="qdrant")
    assert not again.store.built and qdrant_pipe.store.built


def test_embedding_cache_is_reused_and_survives_damage(corpus):
    texts = ["refund window", "sso metadata"]
    first = rag_index.embed_texts(texts)
    assert rag_index._cache_file().is_file()
    rag_index._cache_file().write_bytes(b"not an npz file")
    with pytest.warns(UserWarning, match="rebuilt"):
        second = rag_index.embed_texts(texts)
    np.testing.assert_allclose(first, second, atol=1e-5)
    assert np.allclose(np.linalg.norm(second, axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("changes", [
    {"retrievers": ("dense", "bm25")},
    {"retrievers": ("dense", "bm25"), "fusion": "weighted", "dense_weight": 0.3},
    {"chunking": "small-to-big", "chunk_size": 12, "overlap": 3},
    {"retrievers": ("dense", "bm25"), "rerank": "maxsim", "rerank_fetch": 8},
])
def test_stages_compose_and_evaluate(corpus, changes):
    pipeline = rag.build_pipeline(corpus, **{"chunk_size": 40, "overlap": 5, **changes})
    report = rag.evaluate_retrieval(pipeline, QUESTIONS, k=5)
    assert report.summary["scored"] == 3 and report.summary["questions"] == 4
    assert report.summary["hit@3"] == 1.0, report.rows[["question", "retrieved"]]
    assert report.rows["latency_s"].gt(0).all()


def test_parent_documents_return_sections(corpus):
    pipeline = rag.build_pipeline(corpus, chunking="small-to-big", chunk_size=12, overlap=3)
    chunk = pipeline.retrieve("QX-5120 export too large", 2)[0].chunks[0]
    assert chunk.id.startswith("api-errors#s") and "QX-5120" in chunk.text and len(chunk.text.split()) > 12


def test_unknown_stage_names_are_rejected(corpus):
    for bad in ({"retrievers": ("sparse",)}, {"chunking": "semantic"}, {"rerank": "magic"}, {"expand": "more"}):
        with pytest.raises(ValueError):
            rag.build_pipeline(corpus, **bad)


def test_local_llm_stages_run(corpus):
    """The LLM re-ranker and query expansion run on the offline model (quality is not asserted: 135M)."""
    from helpers.rag.rerank import LocalLLMReranker

    scores = LocalLLMReranker(batch_size=4).score("What does QX-4410 mean?",
                                                  [DOCS["api-errors"][1], DOCS["mobile-app"][1]])
    assert scores.shape == (2,) and np.isfinite(scores).all()
    pipeline = rag.build_pipeline(corpus, chunk_size=40, overlap=5, expand="hyde")
    report = rag.evaluate_retrieval(pipeline, QUESTIONS[:2], k=3)
    assert len(report.rows) == 2 and report.rows["latency_s"].gt(0).all()


def test_answer_checks():
    q = {"gold_doc_ids": ["billing-refunds"], "reference_facts": ["14 days", "in full"]}
    good = check_answer("Monthly plans are refunded **in full** within 14 days [billing-refunds].", q)
    assert good["correct"] and good["cites_gold"] and good["cited"] == ["billing-refunds"]
    partial = check_answer("Within 14 days [api-errors#c0].", q)
    assert not partial["correct"] and partial["facts_found"] == 1 and partial["cited"] == ["api-errors"]
    assert check_answer("Not in the docs.", {"gold_doc_ids": [], "reference_facts": []})["correct"]
    assert not check_answer("Yes, 20% off.", {"gold_doc_ids": [], "reference_facts": []})["correct"]
    assert not check_answer("not in the docs [billing-refunds] 14 days in full", q)["correct"]
    assert normalise("Up to `1,000` *rows*") == "up to 1000 rows"


def test_context_block_respects_the_word_budget(corpus):
    hits = rag.build_pipeline(corpus, retrievers=("bm25",), chunk_size=40, overlap=5).retrieve("refund", 4)
    block = context_block(hits, max_words=60)
    assert block.startswith("[") and len(block.split()) <= 60 + 3 * len(hits) + 10


def test_passage_in_context_sees_chunk_boundaries():
    from helpers.rag.chunking import Chunk
    from helpers.rag.metrics import passage_in_context
    from helpers.rag.retrieval import Hit

    hits = [Hit("a", 0.9, [Chunk("a#c0", "a", "refunds take\n14 days **in full**")]), Hit("b", 0.5, [])]
    assert passage_in_context(hits, "take 14 days **in full**") == 1.0
    assert passage_in_context(hits, "14 days in full") == 0.0       # markdown differs: not the same text
    assert passage_in_context(hits[1:], "refunds take") == 0.0


def test_cross_encoder_path_with_a_tiny_local_model(tmp_path):
    """The Hub cross-encoder path, exercised offline with a tiny randomly initialised BERT saved to disk."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    from helpers.rag.rerank import CrossEncoderReranker

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "refund", "days", "what", "error", "sso", "##s"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=1)
    model_dir = tmp_path / "tiny-cross-encoder"
    BertForSequenceClassification(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    reranker = CrossEncoderReranker(str(model_dir))
    scores = reranker.score("what refund days", ["refund days", "sso error", "days"])
    assert scores.shape == (3,) and np.isfinite(scores).all()
    assert not CrossEncoderReranker.available(str(tmp_path / "no-such-model"))


def test_local_qdrant_clients_close_cleanly(corpus):
    rag.build_pipeline(corpus, chunk_size=40, overlap=5, store="qdrant")
    assert rag_index._LOCAL_CLIENTS
    rag_index.close_local_clients()
    assert not rag_index._LOCAL_CLIENTS
    again = rag.build_pipeline(corpus, chunk_size=40, overlap=5, store="qdrant")   # reopens the same folder
    assert not again.store.built


class _CountingExpander:
    """An expander without a model: records how it is asked, so batching can be checked."""

    name = "counting"

    def __init__(self):
        self.batches = []

    def prepare(self, questions, progress=False):
        self.batches.append(list(questions))

    def variants(self, question):
        return [question.lower()]

    def seconds(self, question):
        return 0.25


def test_llm_work_is_batched_at_any_depth(corpus):
    bm25 = rag.build_pipeline(corpus, retrievers=("bm25",), chunk_size=40, overlap=5)
    expander = _CountingExpander()
    nested = rag.HybridRetriever([rag.ExpandedRetriever(bm25, expander), bm25])
    report = rag.evaluate_retrieval(nested, QUESTIONS, k=3)
    assert expander.batches == [[q["question"] for q in QUESTIONS]]
    assert report.rows["latency_s"].ge(0.25).all()
