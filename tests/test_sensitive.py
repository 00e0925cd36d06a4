"""helpers.rag.sensitive: the personal data a RAG prompt would carry, and redaction before indexing (notebook 06)."""

from collections import Counter

import pytest

from helpers import paths, rag
from helpers.rag import sensitive
from helpers.rag.chunking import Chunk
from helpers.rag.corpus import Corpus, Document
from helpers.rag.retrieval import Hit

NAMES = ("Hannah Li", "Jonas Weber")


def kinds(text, names=NAMES):
    return [(f.kind, f.text) for f in sensitive.find(text, names)]


def test_each_kind_is_found_with_its_checksum():
    text = ("mail maria@empresa.com.mx or Marcus.Lindqvist@..., call +49 30 1234 5678, card 4111 1111 1111 1111, "
            "IBAN GB82 WEST 1234 5698 7654 32, ask Jonas Weber")
    assert kinds(text) == [("email", "maria@empresa.com.mx"), ("email", "Marcus.Lindqvist@..."),
                           ("phone", "+49 30 1234 5678"), ("card", "4111 1111 1111 1111"),
                           ("iban", "GB82 WEST 1234 5698 7654 32"), ("person", "Jonas Weber")]


def test_numbers_that_fail_their_checksum_or_are_dates_are_not_personal_data():
    assert kinds("card 4111 1111 1111 1112, IBAN GB83 WEST 1234 5698 7654 32, invoice 2026-005122 "
                 "on 2026-11-20, 1111111111111111") == []
    assert sensitive.luhn_ok("79927398713") and not sensitive.luhn_ok("79927398710")
    assert sensitive.iban_ok("DE89 3704 0044 0532 0130 00") and not sensitive.iban_ok("DE89 3704 0044 0532 0130 01")


def test_names_match_whole_names_only_and_own_addresses_are_left_alone():
    assert kinds("Hannah Lindqvist escalated; write to privacy@pulseboard.example") == []
    assert kinds("Hannah Li, the viewer") == [("person", "Hannah Li")]
    assert [f.text for f in sensitive.find("privacy@pulseboard.example", own_domains=())] == [
        "privacy@pulseboard.example"]


def test_redaction_leaves_no_finding_and_keeps_the_rest():
    text = "Jonas Weber (jonas.weber@calder.example, +1 (415) 555-0100) asked about SSO."
    redacted = sensitive.redact(text, NAMES)
    assert redacted == "[PERSON] ([EMAIL], [PHONE]) asked about SSO."
    assert sensitive.find(redacted, NAMES) == []


def test_the_directory_is_the_customers_members():
    names = sensitive.directory()
    assert len(names) > 1000 and "Dmitri Halvorsen" in names
    assert len(names[0]) >= len(names[-1])  # longest first: "Ann Lee-Park" before "Ann Lee"


def test_a_redacted_corpus_is_a_copy():
    corpus = Corpus("kb", [Document("a", "Jonas Weber's notes", "Call +49 30 1234 5678.")])
    redacted = sensitive.redacted_corpus(corpus, NAMES)
    assert redacted.documents[0].title == "[PERSON]'s notes" and redacted.documents[0].text == "Call [PHONE]."
    assert corpus.documents[0].text == "Call +49 30 1234 5678."
    assert redacted.fingerprint() != corpus.fingerprint()


class FakePipeline:
    def __init__(self, hits):
        self.hits = hits

    def retrieve(self, question, k):
        return self.hits[:k]


def test_exposure_counts_what_the_prompt_would_carry():
    chunk = Chunk(id="a#0", doc_id="a", title="Owners", text="Ask Jonas Weber at jonas@calder.example.")
    pipeline = FakePipeline([Hit("a", 1.0, [chunk])])
    table = sensitive.exposure(pipeline, [{"id": "q1", "question": "who?", "gold_doc_ids": ["a"]},
                                          {"id": "q2", "question": "none?"}], NAMES)
    assert table.loc[0, ["person", "email", "any", "hit@3"]].tolist() == [1, 1, 1, 1.0]
    assert table.loc[0, "found"] == ["Jonas Weber", "jonas@calder.example"]
    assert table["hit@3"].isna().tolist() == [False, True]


@pytest.mark.parametrize("text", ["", "no data here", "@@@", "+", "4" * 40])
def test_odd_text_does_not_break_the_detector(text):
    assert sensitive.redact(text, NAMES).count("[") == len(sensitive.find(text, NAMES))


def test_the_course_kb_holds_personal_data_a_rag_prompt_can_carry():
    kb = rag.load_corpus(paths.DATA_DIR / "kb")
    found = Counter(f.kind for d in kb for f in sensitive.find(d.text, sensitive.directory()))
    assert found["email"] >= 1 and found["person"] >= 1
