"""Checks for data/orders (structured extraction) and data/finetune/messy_chat_examples.jsonl."""
import json
import re
from itertools import combinations
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parents[1]
ORD = ROOT / "data" / "orders"
FT = ROOT / "data" / "finetune"

TEST_ONLY_TAGS = {"dozen_words", "forwarded_thread", "bullet_list", "voice_transcript",
                  "multi_correction", "foreign_language", "split_delivery", "ordinal_date"}


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def schema():
    return json.loads((ORD / "schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog():
    return {p["sku"]: p for p in json.loads((ORD / "catalog.json").read_text())["products"]}


@pytest.fixture(scope="module")
def train():
    return load_jsonl(ORD / "train.jsonl")


@pytest.fixture(scope="module")
def test():
    return load_jsonl(ORD / "test.jsonl")


# ---------------------------------------------------------------- orders: structure

def test_schema_is_valid_draft_2020_12(schema):
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])
    for name in ("item", "delivery"):
        d = schema["$defs"][name]
        assert d["additionalProperties"] is False
        assert set(d["required"]) == set(d["properties"])


def test_catalog(catalog):
    assert 20 <= len(catalog) <= 35
    for sku, p in catalog.items():
        assert re.fullmatch(r"PB-[A-Z0-9]+(-[A-Z0-9]+)*", sku)
        assert p["name"] and isinstance(p["colors"], list) and isinstance(p["sizes"], list)
        assert p["units"].get("each") == 1
        assert all(c == c.lower() for c in p["colors"])
        assert set(p["sizes"]) <= {"XS", "S", "M", "L", "XL", "XXL"}
    assert len({p["name"] for p in catalog.values()}) == len(catalog)


def test_counts(train, test):
    assert len(train) >= 300
    assert len(test) >= 100


def test_record_shape_and_ids(train, test):
    for split, rows in (("train", train), ("test", test)):
        for i, r in enumerate(rows, 1):
            assert set(r) == {"id", "text", "gold", "tags"}
            assert r["id"] == f"O-{split}-{i:04d}"
            assert isinstance(r["text"], str) and r["text"].strip()
            assert r["tags"] and all(isinstance(t, str) for t in r["tags"])
    ids = [r["id"] for r in train + test]
    assert len(ids) == len(set(ids))


def test_every_gold_validates_against_schema(schema, train, test):
    v = Draft202012Validator(schema, format_checker=FormatChecker())
    bad = {}
    for r in train + test:
        errs = [e.message for e in v.iter_errors(r["gold"])]
        if errs:
            bad[r["id"]] = errs
    assert not bad


def test_schema_rejects_broken_golds(schema, train):
    v = Draft202012Validator(schema, format_checker=FormatChecker())
    g = json.loads(json.dumps(train[0]["gold"]))
    broken = []
    x = json.loads(json.dumps(g)); x["extra"] = 1; broken.append(x)
    x = json.loads(json.dumps(g)); del x["notes"]; broken.append(x)
    x = json.loads(json.dumps(g)); x["items"][0]["quantity"] = 0; broken.append(x)
    x = json.loads(json.dumps(g)); x["items"][0]["size"] = "medium"; broken.append(x)
    x = json.loads(json.dumps(g)); x["items"][0]["unit"] = "crate"; broken.append(x)
    x = json.loads(json.dumps(g)); x["requested_date"] = "next Friday"; broken.append(x)
    x = json.loads(json.dumps(g)); x["items"] = []; broken.append(x)
    x = json.loads(json.dumps(g)); x["delivery"]["zip"] = "1000"; broken.append(x)
    for b in broken:
        assert not v.is_valid(b)


def test_items_agree_with_catalog(catalog, train, test):
    n_null = 0
    for r in train + test:
        for it in r["gold"]["items"]:
            if it["sku"] is None:
                n_null += 1
                continue
            p = catalog[it["sku"]]  # KeyError = sku not in catalog
            assert it["name"] == p["name"], r["id"]
            assert it["color"] is None or it["color"] in p["colors"], r["id"]
            assert it["size"] is None or it["size"] in p["sizes"], r["id"]
            assert it["unit"] in p["units"], r["id"]
    assert n_null >= 10  # some products are deliberately not in the catalog


def test_as_written_fields_occur_in_text(train, test):
    for r in train + test:
        g, t = r["gold"], r["text"]
        for v in (g["customer_name"], g["company"], g["delivery"]["city"]):
            assert v is None or v in t, (r["id"], v)
        if g["delivery"]["address"]:
            for part in g["delivery"]["address"].split(", "):
                assert part in t, (r["id"], part)
        if g["requested_date"]:
            assert g["requested_date"][:4] in t, r["id"]


def test_variety_of_situations(train, test):
    rows = train + test
    def count(pred):
        return sum(1 for r in rows if pred(r))
    assert count(lambda r: r["gold"]["customer_name"] is None) >= 20
    assert count(lambda r: r["gold"]["requested_date"] is not None) >= 30
    assert count(lambda r: r["gold"]["notes"] is not None) >= 60
    assert count(lambda r: not any(r["gold"]["delivery"].values())) >= 20
    assert count(lambda r: len(r["gold"]["items"]) >= 3) >= 50
    assert count(lambda r: any(i["unit"] != "each" for i in r["gold"]["items"])) >= 30
    assert count(lambda r: "correction" in r["tags"]) >= 20
    assert len({r["gold"]["delivery"]["country"] for r in rows} - {None}) >= 25
    for tag in ("unresolved_date", "ambiguous_date", "non_native", "quantity_words", "chat",
                "email", "signature", "noise", "non_catalog_item"):
        assert count(lambda r: tag in r["tags"]) >= 2, tag


def test_test_only_situations_absent_from_train(train, test):
    for r in train:
        assert not set(r["tags"]) & TEST_ONLY_TAGS, r["id"]
        assert not re.search(r"\bdozen\b|\bcouple of\b|\ba pair of\b", r["text"], re.I), r["id"]
        assert not re.search(r"^[ \t]*([-*•][ \t]+\S|\|)", r["text"], re.M), r["id"]
        assert "forwarded" not in r["text"].lower(), r["id"]
    test_tags = {t for r in test for t in r["tags"]}
    assert TEST_ONLY_TAGS <= test_tags


# ---------------------------------------------------------------- orders: near-duplicates

def _shingles(text, k=5):
    t = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    return {t[i:i + k] for i in range(max(1, len(t) - k + 1))}


def test_no_exact_or_near_duplicate_texts(train, test):
    rows = train + test
    norm = [re.sub(r"\W+", " ", r["text"].lower()).strip() for r in rows]
    assert len(set(norm)) == len(norm)
    sh = [(r["id"], _shingles(r["text"])) for r in rows]
    worst = []
    for (a, sa), (b, sb) in combinations(sh, 2):
        small, big = sorted((len(sa), len(sb)))
        if small / big < 0.5:
            continue
        j = len(sa & sb) / len(sa | sb)
        if j >= 0.5:
            worst.append((a, b, round(j, 2)))
    assert not worst


# ---------------------------------------------------------------- orders: README numbers

def test_readme_numbers_match_data(train, test):
    readme = (ORD / "README.md").read_text(encoding="utf-8")
    assert f"| orders | {len(train)} | {len(test)} |" in readme
    n_items = (sum(len(r["gold"]["items"]) for r in train), sum(len(r["gold"]["items"]) for r in test))
    assert f"| order lines (items) | {n_items[0]} | {n_items[1]} |" in readme


# ---------------------------------------------------------------- messy chat file

ALLOWED_TOP = {"messages", "tools", "parallel_tool_calls"}
ALLOWED_ROLES = {"system", "user", "assistant", "tool"}
HEDGES = ("not sure", "i think maybe", "probably", "i guess", "hard to say")


def _content_key(messages):
    return json.dumps([(m.get("role"), " ".join(str(m.get("content", "")).lower().split()))
                       for m in messages if isinstance(m, dict)])


def validate_messy(lines):
    """Independent reference validator; returns {line_number: set(problems)}."""
    found = {}
    seen_raw, seen_norm = set(), set()
    for n, raw in enumerate(lines, 1):
        probs = set()
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            found[n] = {"not_json"}
            continue
        if raw in seen_raw:
            probs.add("duplicate")
        seen_raw.add(raw)
        if not isinstance(obj, dict):
            found[n] = probs | {"not_dict"}
            continue
        if set(obj) - ALLOWED_TOP:
            probs.add("unrecognised_keys")
        msgs = obj.get("messages")
        if not isinstance(msgs, list):
            probs.add("missing_messages")
            found[n] = probs
            continue
        roles = []
        words = 0
        for m in msgs:
            if "role" not in m:
                probs.add("missing_role")
            elif m["role"] not in ALLOWED_ROLES:
                probs.add("unknown_role")
            if "content" not in m:
                probs.add("missing_content")
            else:
                words += len(str(m["content"]).split())
            roles.append(m.get("role"))
            if m.get("role") == "assistant" and "content" in m and not str(m["content"]).strip():
                probs.add("empty_assistant")
            if "weight" in m and not (type(m["weight"]) is int and m["weight"] in (0, 1)):
                probs.add("bad_weight")
        if "assistant" not in roles:
            probs.add("no_assistant")
        if words > 5000:
            probs.add("too_long")
        answers = [m for m in msgs if m.get("role") == "assistant" and str(m.get("content", "")).strip()]
        if answers:
            last = str(answers[-1]["content"])
            if any(h in last.lower() for h in HEDGES):
                probs.add("hedging")
            if len(last.split()) < 4:
                probs.add("short_answer")
        key = _content_key(msgs)
        if key in seen_norm and "duplicate" not in probs:
            probs.add("near_duplicate")
        seen_norm.add(key)
        if probs:
            found[n] = probs
    return found


@pytest.fixture(scope="module")
def messy():
    lines = (FT / "messy_chat_examples.jsonl").read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    expected = json.loads((FT / "messy_chat_examples.expected.json").read_text())
    return lines, expected


def test_messy_size_and_share_of_good_lines(messy):
    lines, expected = messy
    assert 100 <= len(lines) <= 140
    bad = {e["line"] for e in expected}
    assert 0.5 <= 1 - len(bad) / len(lines) <= 0.7


def test_messy_expected_is_well_formed(messy):
    lines, expected = messy
    nums = [e["line"] for e in expected]
    assert nums == sorted(set(nums))
    assert all(1 <= n <= len(lines) for n in nums)
    cats = {p for e in expected for p in e["problems"]}
    required = {"duplicate", "near_duplicate", "not_json", "not_dict", "missing_messages",
                "missing_role", "missing_content", "unknown_role", "unrecognised_keys",
                "empty_assistant", "no_assistant", "bad_weight", "hedging", "too_long",
                "short_answer"}
    assert required <= cats


def test_messy_planted_problems_are_real(messy):
    lines, expected = messy
    for e in expected:
        raw = lines[e["line"] - 1]
        if "not_json" in e["problems"]:
            with pytest.raises(json.JSONDecodeError):
                json.loads(raw)
            continue
        obj = json.loads(raw)
        if "not_dict" in e["problems"]:
            assert not isinstance(obj, dict)
        if "missing_messages" in e["problems"]:
            assert "messages" not in obj
        if "unrecognised_keys" in e["problems"]:
            assert set(obj) - ALLOWED_TOP
        if "duplicate" in e["problems"]:
            assert raw == lines[e["duplicate_of"] - 1] and e["duplicate_of"] < e["line"]
        if "near_duplicate" in e["problems"]:
            src = lines[e["duplicate_of"] - 1]
            assert raw != src and e["duplicate_of"] < e["line"]
            assert _content_key(obj["messages"]) == _content_key(json.loads(src)["messages"])
        if "too_long" in e["problems"]:
            assert sum(len(str(m.get("content", "")).split()) for m in obj["messages"]) > 5000


def test_messy_good_lines_parse_and_are_clean(messy):
    lines, expected = messy
    bad = {e["line"] for e in expected}
    for n, raw in enumerate(lines, 1):
        if n in bad:
            continue
        obj = json.loads(raw)
        assert set(obj) == {"messages"}, n
        roles = [m["role"] for m in obj["messages"]]
        assert roles[0] == "system" and roles[-1] == "assistant", n
        for m in obj["messages"]:
            assert m["content"].strip(), n
        if "Pulseboard Store orders" in obj["messages"][0]["content"]:
            # extraction answers are valid order JSON
            schema = json.loads((ORD / "schema.json").read_text(encoding="utf-8"))
            gold = json.loads(obj["messages"][-1]["content"])
            assert Draft202012Validator(schema).is_valid(gold), n
        else:
            ans = json.loads(obj["messages"][-1]["content"])
            assert set(ans) == {"category", "priority", "summary"}, n


def test_messy_expected_matches_reference_validator(messy):
    lines, expected = messy
    found = validate_messy(lines)
    exp = {e["line"]: set(e["problems"]) for e in expected}
    assert found == exp


def test_messy_readme_lists_every_problem(messy):
    _, expected = messy
    readme = (FT / "README.md").read_text(encoding="utf-8")
    for e in expected:
        assert f"| {e['line']} | {', '.join(e['problems'])} |" in readme
