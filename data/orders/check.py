"""Check the order dataset.

    .venv/bin/python data/orders/check.py        # checks train.jsonl and test.jsonl

Checks: schema validity (JSON Schema 2020-12), catalog consistency (sku, name,
color, size, unit), "as written" fields really occur in the text, unique ids
and texts, no near-duplicate texts within or across splits, test-only
situations absent from train.
"""
import json
import re
import sys
from itertools import combinations
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

HERE = Path(__file__).resolve().parent

COUNTRIES = {
    "Portugal", "Canada", "Spain", "Germany", "France", "United Kingdom", "Ireland",
    "Netherlands", "Belgium", "Italy", "Poland", "Sweden", "United States", "Brazil",
    "Mexico", "India", "Japan", "Australia", "Kenya", "South Africa", "Singapore",
    "Switzerland", "Austria", "Denmark", "Norway", "Finland", "Czechia", "Greece",
    "Nigeria", "New Zealand", "Estonia", "Argentina", "Chile", "Colombia", "Romania",
    "Hungary", "Luxembourg", "United Arab Emirates", "South Korea", "Turkey", "Iceland",
    "Slovenia", "Croatia", "Lithuania", "Latvia", "Philippines", "Vietnam", "Egypt",
    "Morocco", "Ghana", "Israel", "Malta", "Cyprus", "Slovakia", "Bulgaria", "Uruguay",
    "Peru", "Indonesia", "Malaysia", "Thailand", "Taiwan", "Rwanda", "Zimbabwe", "Qatar",
    "Saudi Arabia", "Nepal", "China",
}

NEAR_DUP_THRESHOLD = 0.5  # Jaccard similarity of character 5-gram sets


def norm(text):
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def shingles(text, k=5):
    t = norm(text)
    return {t[i:i + k] for i in range(max(1, len(t) - k + 1))}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 1.0


def near_duplicates(rows, threshold=NEAR_DUP_THRESHOLD):
    """Return (id1, id2, similarity) for pairs at or above the threshold."""
    sh = [(r["id"], shingles(r["text"])) for r in rows]
    out = []
    for (i1, s1), (i2, s2) in combinations(sh, 2):
        # cheap upper bound on Jaccard before computing it
        small, big = sorted((len(s1), len(s2)))
        if small / big < threshold:
            continue
        j = jaccard(s1, s2)
        if j >= threshold:
            out.append((i1, i2, round(j, 3)))
    return out


def check_rows(train, test, catalog, check_near_dups=True):
    schema = json.loads((HERE / "schema.json").read_text())
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    problems = []
    rows = train + test
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        problems.append("duplicate ids")
    seen = {}
    for r in rows:
        key = norm(r["text"])
        if key in seen:
            problems.append(f"{r['id']}: same text as {seen[key]}")
        seen[key] = r["id"]
    for r in rows:
        rid, text, gold = r["id"], r["text"], r["gold"]
        where = f"{rid} ({r.get('_src', '')}) {text[:50]!r}"
        for err in validator.iter_errors(gold):
            problems.append(f"{where}: schema: {err.message} at {list(err.path)}")
        for field in ("customer_name", "company"):
            v = gold.get(field)
            if v and v not in text:
                problems.append(f"{where}: {field} {v!r} not written in the text")
        d = gold.get("delivery", {})
        if d.get("city") and d["city"] not in text:
            problems.append(f"{where}: city {d['city']!r} not in text")
        if d.get("address"):
            for part in d["address"].split(", "):
                if part not in text:
                    problems.append(f"{where}: address part {part!r} not in text")
        if d.get("country") and d["country"] not in COUNTRIES:
            problems.append(f"{where}: country {d['country']!r} not an allowed English name")
        rd = gold.get("requested_date")
        if rd:
            if rd[:4] not in text:
                problems.append(f"{where}: requested_date year {rd[:4]} not in text")
            if not ("2026-11-01" <= rd <= "2027-12-31"):
                problems.append(f"{where}: requested_date {rd} out of plausible range")
        keys = [(it.get("sku"), it.get("name"), it.get("color"), it.get("size"), it.get("unit"))
                for it in gold.get("items", [])]
        if len(keys) != len(set(keys)):
            problems.append(f"{where}: two lines with the same sku/color/size/unit")
        for it in gold.get("items", []):
            sku = it.get("sku")
            if sku is None:
                continue
            p = catalog.get(sku)
            if p is None:
                problems.append(f"{where}: unknown sku {sku}")
                continue
            if it["name"] != p["name"]:
                problems.append(f"{where}: name {it['name']!r} != catalog {p['name']!r}")
            if it["color"] is not None and it["color"] not in p["colors"]:
                problems.append(f"{where}: color {it['color']!r} not offered for {sku}")
            if it["size"] is not None and it["size"] not in p["sizes"]:
                problems.append(f"{where}: size {it['size']!r} not offered for {sku}")
            if it["unit"] not in p["units"]:
                problems.append(f"{where}: unit {it['unit']!r} not sold for {sku}")
            if it["quantity"] > 5000:
                problems.append(f"{where}: implausible quantity {it['quantity']}")
        if not r.get("tags"):
            problems.append(f"{where}: no tags")
    sys.path.insert(0, str(HERE))
    from build import TEST_ONLY_TAGS, ALL_TAGS  # noqa: E402
    for r in rows:
        bad = set(r["tags"]) - ALL_TAGS
        if bad:
            problems.append(f"{r['id']}: unknown tags {bad}")
    for r in train:
        leaked = set(r["tags"]) & TEST_ONLY_TAGS
        if leaked:
            problems.append(f"{r['id']}: test-only tags in train: {leaked}")
    if check_near_dups:
        for a, b, j in near_duplicates(rows):
            problems.append(f"near-duplicate texts {a} / {b} (Jaccard {j})")
    return problems


def main():
    catalog = {p["sku"]: p for p in json.loads((HERE / "catalog.json").read_text())["products"]}
    splits = {}
    for split in ("train", "test"):
        with open(HERE / f"{split}.jsonl") as f:
            splits[split] = [json.loads(line) for line in f]
    problems = check_rows(splits["train"], splits["test"], catalog)
    for p in problems:
        print(p)
    print(f"train={len(splits['train'])} test={len(splits['test'])} problems={len(problems)}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
