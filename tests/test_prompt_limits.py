"""helpers.prompting.limits (notebook 02) on hand-computed cases, its data in data/prompting/, and the exercise checkers.
Malformed inputs must be counted as failures, never crash."""

import datetime as dt

import pytest

from helpers import registry
from helpers.prompting import exercises
from helpers.prompting import limits as pl
from helpers.registry import ModelInfo

GARBAGE = [None, 42, 3.5, b"bytes", ["Category: BILLING"], {"category": "BILLING"}, "", "   \n\t", "\x00\x01", "{" * 50,
           "}" * 5 + "{", "Category:", "Category: ", "```json", "```", "💥" * 10]


# --- format classification and the downstream parser --------------------------------------------------------
@pytest.mark.parametrize("text, shape, label", [
    ('{"category": "BILLING"}', "json", "BILLING"),
    ('Sure! {"category": "technical", "confidence": 0.9} Hope that helps.', "json", "TECHNICAL"),
    ('```json\n{"category": "OTHER"}\n```', "json", "OTHER"),
    ('{"label": "feature request"}', "json", "FEATURE_REQUEST"),
    ('{"category": "refunds"}', "json", None),
    ('{"reason": "no category key"}', "json", None),
    ('{"category": "BILL', "json_invalid", None),
    ('```json\n{"category": ', "json_invalid", None),
    ("Category: ACCOUNT", "category_line", "ACCOUNT"),
    ("category = technical", "category_line", "TECHNICAL"),
    ("**Category:** Feature request", "category_line", "FEATURE_REQUEST"),
    ("The ticket is short.\nCategory: BILLING issue", "category_line", "BILLING"),
    ("Category: Payments", "category_line", None),
    ("BILLING", "bare_label", "BILLING"),
    ("  other.  ", "bare_label", "OTHER"),
    ("`FEATURE_REQUEST`", "bare_label", "FEATURE_REQUEST"),
    ('"Feature-Request"', "bare_label", "FEATURE_REQUEST"),
    ("The ticket is about BILLING.", "prose", None),
    ("Not BILLING, more like TECHNICAL.", "prose", None),
    ("", "empty", None),
    ("  \n ", "empty", None),
])
def test_classify_format_and_parse_label(text, shape, label):
    assert pl.classify_format(text) == shape
    parsed = pl.parse_label(text)
    assert parsed.value == label
    assert parsed.ok == (label is not None)
    if label is None:
        assert parsed.error


@pytest.mark.parametrize("garbage", GARBAGE)
def test_format_helpers_never_crash(garbage):
    assert pl.classify_format(garbage) in pl.FORMATS
    parsed = pl.parse_label(garbage)
    assert parsed.value is None or parsed.value in pl.TICKET_LABELS


def test_followed_request():
    assert pl.followed_request("json", "json") is True
    assert pl.followed_request("prose", "category_line") is False
    assert pl.followed_request("json", "unspecified") is None


def test_fill_keeps_json_braces():
    text = pl.fill('Return {"category": "X"} for: {ticket} ({labels})', "My invoice", ["A", "B"])
    assert text == 'Return {"category": "X"} for: My invoice (A, B)'


# --- jargon scoring ------------------------------------------------------------------------------------------
def test_normalize_and_mentions():
    assert pl.normalize("Read-only, PB-2210!") == "read only pb 2210"
    assert pl.normalize(None) == ""
    assert pl.mentions("The board is read-only.", "read only")
    assert pl.mentions("It is the rendering engine", "render*")
    assert not pl.mentions("It is the rendering engine", "render")
    assert pl.mentions("5% of workspaces", "5%")
    assert not pl.mentions("50 workspaces", "5")  # whole words: 5 is not 50
    assert not pl.mentions("anything", "*")


FACTS = [["deactivat*", "inactive"], ["bill*", "count*"]]


@pytest.mark.parametrize("answer, verdict, matched", [
    ("A seat of a deactivated user that still counts towards billing.", "correct", 2),
    ("A seat of an inactive user.", "partial", 1),
    ("A seat that nobody booked.", "wrong", 0),
    ("I'm not sure what that is.", "abstained", 0),
    ("I don't know.", "abstained", 0),
    ("", "empty", 0),
    (None, "empty", 0),
])
def test_score_answer_hand_computed(answer, verdict, matched):
    score = pl.score_answer(answer, FACTS)
    assert (score.verdict, score.matched, score.total) == (verdict, matched, 2)
    assert score.score == matched / 2


@pytest.mark.parametrize("garbage", GARBAGE)
def test_score_answer_never_crashes(garbage):
    assert pl.score_answer(garbage, FACTS).verdict in pl.VERDICTS
    assert pl.score_answer("deactivated", garbage).verdict in pl.VERDICTS  # malformed facts too


def test_score_answer_with_no_facts_is_not_correct():
    assert pl.score_answer("anything", []).verdict != "correct"


# --- tone rubric ---------------------------------------------------------------------------------------------
ON_BRAND = ("Hi Maria,\n\nYour boards are read-only because the workspace is above the Starter limit of 10 sources. "
            "You can remove sources, or you're welcome to move back to Team. Either way, you'll edit again within "
            "about 15 minutes. Nothing is deleted, and your share links still work.\n\n— The Pulseboard team")


def test_on_brand_reply_passes_every_rule():
    assert pl.score_tone(ON_BRAND, "Maria") == {name: True for name in pl.TONE_CRITERIA}
    assert pl.tone_score(ON_BRAND, "Maria") == 1.0


def test_each_rule_can_fail_alone():
    cases = {
        "greeting": ON_BRAND.replace("Hi Maria,", "Hello Maria,"),
        "sign_off": ON_BRAND.replace("— The Pulseboard team", "Best, Support"),
        "length": "Hi Maria,\nYou're fine: 10 sources.\n— The Pulseboard team",
        "short_sentences": ON_BRAND.replace("Either way, you'll edit again within about 15 minutes.",
                                            "Either way, you'll edit again within about 15 minutes and we will keep "
                                            "all of the boards and all of the sources and all of the share links "
                                            "exactly as they are now for you and your team"),
        "you_focus": ON_BRAND.replace("Nothing is deleted, and your share links still work.",
                                      "We checked, our team knows, we will fix it, we promise, our engineers, us."),
        "contraction": ON_BRAND.replace("you're welcome", "you are welcome").replace("you'll", "you will"),
        "no_stock_phrases": ON_BRAND.replace("Nothing is deleted", "Unfortunately nothing is deleted"),
        "no_jargon": ON_BRAND.replace("read-only", "frosted"),
        "calm": ON_BRAND.replace("Nothing is deleted", "NOTHING is deleted"),
        "specific": ON_BRAND.replace("10 sources", "ten sources").replace("15 minutes", "a few minutes"),
    }
    for rule, reply in cases.items():
        checks = pl.score_tone(reply, "Maria")
        assert [name for name, ok in checks.items() if not ok] == [rule], (rule, checks)


def test_tone_counts_by_hand():
    two_bangs = ON_BRAND.replace("Nothing is deleted,", "Nothing is deleted!").replace("still work.", "still work!")
    assert not pl.score_tone(two_bangs, "Maria")["calm"]
    one_bang = ON_BRAND.replace("still work.", "still work!")
    assert pl.score_tone(one_bang, "Maria")["calm"]
    assert pl.score_tone(ON_BRAND.replace("NOTHING", "SAML"), "Maria")["calm"]  # acronyms are not shouting
    assert pl.score_tone(ON_BRAND, "Lukas")["greeting"] is False  # the name must be the customer's
    assert pl.score_tone(ON_BRAND, None)["greeting"] is True


@pytest.mark.parametrize("garbage", GARBAGE)
def test_score_tone_never_crashes(garbage):
    checks = pl.score_tone(garbage, "Maria")
    assert set(checks) == set(pl.TONE_CRITERIA)
    assert 0.0 <= pl.tone_score(garbage) <= 1.0


# --- cost and caching ----------------------------------------------------------------------------------------
def _model(**prices) -> ModelInfo:
    return ModelInfo(id="test-model", provider="anthropic", display_name="test", context_window=100_000,
                     max_output_tokens=1000, as_of=dt.date(2026, 1, 1), source="test", **prices)


CLAUDE_LIKE = _model(input_usd_per_mtok=0.10, output_usd_per_mtok=0.50, cache_write_usd_per_mtok=0.125,
                     cache_read_usd_per_mtok=0.010)
OPENAI_LIKE = _model(input_usd_per_mtok=0.40, output_usd_per_mtok=1.60, cache_read_usd_per_mtok=0.10)
NO_CACHE = _model(input_usd_per_mtok=1.0, output_usd_per_mtok=2.0)


def test_cache_writes():
    assert pl.cache_writes(0) == 0
    assert pl.cache_writes(1_000) == 1_000  # a call every 43.2 minutes: the 5-minute cache is always gone
    assert pl.cache_writes(8_640) == 1  # exactly every 5 minutes
    assert pl.cache_writes(8_639) == 8_639
    assert pl.cache_writes(100, ttl_minutes=60, days=1) == 1  # every 14.4 minutes, 1-hour cache


def test_monthly_cost_hand_computed():
    # 100,000 calls x (2,100 input x $0.10 + 10 output x $0.50) / 1e6 = $21.50
    assert pl.monthly_cost(CLAUDE_LIKE, 100_000, 2000, 100, 10) == pytest.approx(21.5)
    # one write: (2000 x 0.125 + 100 x 0.10 + 10 x 0.50) / 1e6 = 265e-6; 99,999 reads: (20 + 10 + 5) / 1e6 each
    assert pl.monthly_cost(CLAUDE_LIKE, 100_000, 2000, 100, 10, caching=True) == pytest.approx(265e-6 + 99_999 * 35e-6)
    # sparse traffic: every call writes, caching costs more: 1,000 x 265e-6 vs 1,000 x 215e-6
    assert pl.monthly_cost(CLAUDE_LIKE, 1_000, 2000, 100, 10, caching=True) == pytest.approx(0.265)
    assert pl.monthly_cost(CLAUDE_LIKE, 1_000, 2000, 100, 10) == pytest.approx(0.215)
    # OpenAI-like: no write fee, the write call is billed at the input price
    assert pl.monthly_cost(OPENAI_LIKE, 100_000, 2000, 100, 10, caching=True) == pytest.approx(
        (2100 * 0.40 + 10 * 1.60) / 1e6 + 99_999 * (2000 * 0.10 + 100 * 0.40 + 10 * 1.60) / 1e6)


def test_no_caching_below_minimum_or_without_prices():
    plain = pl.monthly_cost(CLAUDE_LIKE, 100_000, 500, 100, 10)
    assert pl.monthly_cost(CLAUDE_LIKE, 100_000, 500, 100, 10, caching=True) == plain  # under 1,024 tokens
    assert pl.monthly_cost(NO_CACHE, 100_000, 5000, 100, 10, caching=True) == pl.monthly_cost(NO_CACHE, 100_000,
                                                                                            5000, 100, 10)
    assert pl.monthly_cost(CLAUDE_LIKE, 0, 5000, 100, 10, caching=True) == 0.0


def test_cost_table_shape_and_saving():
    table = pl.cost_table([CLAUDE_LIKE, NO_CACHE], [1_000, 100_000], 2000, 100, 10)
    assert len(table) == 4 and set(table["model"]) == {"test-model"}
    busy = table.iloc[1]
    assert busy["saving %"] == pytest.approx(100 * (21.5 - (265e-6 + 99_999 * 35e-6)) / 21.5)
    assert table.iloc[0]["saving %"] < 0  # sparse traffic pays the write premium
    assert (table.iloc[2:]["saving %"] == 0).all()


def test_registry_models_price_without_errors():
    table = pl.cost_table(registry.models().values(), [1, 10_000], 3000, 50, 5)
    assert (table["$ with caching"] <= table["$ no caching"] * 1.25 + 1e-12).all()


# --- the data ------------------------------------------------------------------------------------------------
def test_caller_prompts():
    callers = pl.caller_prompts()
    assert len(callers) == 20 and len({c["id"] for c in callers}) == 20
    assert sorted({c["asks_for"] for c in callers}) == ["bare_label", "category_line", "json", "unspecified"]
    for kind in ("bare_label", "category_line", "json", "unspecified"):
        assert sum(c["asks_for"] == kind for c in callers) == 5
    for c in callers:
        assert "{ticket}" in c["template"] and "{labels}" in c["template"]
        filled = pl.fill(c["template"], "TICKET-TEXT")
        assert "TICKET-TEXT" in filled and all(label in filled for label in pl.TICKET_LABELS)
    assert len({c["template"] for c in callers}) == 20


def test_jargon_questions_reference_states_every_fact():
    questions = pl.jargon_questions()
    assert len(questions) >= 20 and len({q["id"] for q in questions}) == len(questions)
    terms = {q["term"].lower() for q in questions}
    for term in ("prism", "tidewater", "frosted board", "ghost seat", "canary ring", "dunning"):
        assert term in terms
    for q in questions:
        assert q["facts"] and all(isinstance(alt, str) and alt for fact in q["facts"] for alt in fact)
        assert pl.score_answer(q["reference"], q["facts"]).verdict == "correct", q["id"]
        assert (pl.DATA / q["source"]).is_file(), q["source"]
        assert pl.score_answer(q["question"], q["facts"]).verdict != "correct", f"{q['id']}: question gives it away"


def test_brand_data():
    guide = pl.brand_guide()
    assert guide.startswith("We sound like") and guide.count("\n1. ") == 1 and "10. " in guide
    examples = pl.brand_examples()
    assert len(examples) >= 3
    for ex in examples:
        assert pl.tone_score(ex["reply"], ex["customer_name"]) == 1.0, ex["id"]
    inputs = pl.tone_inputs()
    assert len(inputs) >= 8 and all(i["customer_name"] and i["message"] for i in inputs)
    assert {i["id"] for i in inputs}.isdisjoint({e["id"] for e in examples})


# --- exercise checkers ---------------------------------------------------------------------------------------
def test_label_parser_exercise():
    assert exercises.verify("02.label_parser", lambda text: pl.parse_label(text).value)[0]
    ok, message = exercises.verify("02.label_parser", lambda text: None)
    assert not ok and "Hint" in message
    assert not exercises.verify("02.label_parser", lambda text: 1 / 0)[0]  # a crashing parser is reported
    assert not exercises.verify("02.label_parser", "BILLING")[0]


def test_ghost_seat_exercise():
    assert exercises.verify("02.ghost_seat_answer", "A seat held by a deactivated user; it still counts towards "
                                                   "billing until an Admin removes the user.")[0]
    assert not exercises.verify("02.ghost_seat_answer", "A seat nobody booked.")[0]
    assert not exercises.verify("02.ghost_seat_answer", "deactivated billing " * 30)[0]  # too long
    assert not exercises.verify("02.ghost_seat_answer", 7)[0]


def test_on_brand_reply_exercise():
    name = pl.tone_inputs()[0]["customer_name"]
    assert exercises.verify("02.on_brand_reply", ON_BRAND.replace("Maria", name))[0]
    ok, message = exercises.verify("02.on_brand_reply", ON_BRAND)  # greets the wrong customer
    assert not ok and "greeting" in message


def test_cached_monthly_cost_exercise():
    m = registry.get(registry.default_model("anthropic"))
    right = m.cached_cost(3000, 50, 5, write=True) + 99_999 * m.cached_cost(3000, 50, 5, write=False)
    assert exercises.verify("02.cached_monthly_cost", right)[0]
    assert not exercises.verify("02.cached_monthly_cost", 100_000 * m.cost(3050, 5))[0]
    assert not exercises.verify("02.cached_monthly_cost", "a lot")[0]
