"""Build train.jsonl / test.jsonl from the hand-written order files in src/.

Usage (from the repo root):  .venv/bin/python data/orders/build.py

The order texts and their gold values are written by hand in src/orders_train_*.py and
src/orders_test_*.py (compact notation, see src/dsl.py). This script only expands the
compact item notation, fills catalog product names, adds structural tags,
checks everything (check.py) and writes the JSONL files plus the computed
numbers in README.md (between the STATS markers).
"""
import importlib.util
import json
import re
import sys
import textwrap
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "src"))
from dsl import KEYS  # noqa: E402

SIZES = {"XS", "S", "M", "L", "XL", "XXL"}
UNITS = {"each", "pack", "box"}

# Tags written by hand in the source files.
STYLE_TAGS = {
    "email", "chat", "signature", "noise", "correction", "cancellation", "quantity_words",
    "non_native", "typo", "unresolved_date", "ambiguous_date", "no_quantity",
    "recipient_differs", "bulk", "question",
}
# Situations that only occur in the test split (checked by tests/test_data_orders.py).
TEST_ONLY_TAGS = {
    "dozen_words", "forwarded_thread", "bullet_list", "voice_transcript",
    "multi_correction", "foreign_language", "split_delivery", "ordinal_date",
}
# Tags computed from the gold.
AUTO_TAGS = {
    "single_item", "multi_item", "non_catalog_item", "pack_units", "apparel", "hardware",
    "has_address", "has_date", "has_notes", "missing_name", "missing_company",
    "missing_delivery",
}
ALL_TAGS = STYLE_TAGS | TEST_ONLY_TAGS | AUTO_TAGS


def load_catalog():
    cat = json.loads((HERE / "catalog.json").read_text())
    return {p["sku"]: p for p in cat["products"]}


def parse_items(spec, catalog):
    items = []
    for part in spec.split(";"):
        toks = part.split()
        if len(toks) < 2:
            raise ValueError(f"bad item spec {part!r}")
        key, qty = toks[0], int(toks[1])
        color = size = None
        unit = "each"
        for t in toks[2:]:
            if t in SIZES:
                size = t
            elif t in UNITS:
                unit = t
            else:
                color = t.replace("_", " ")
        if key.startswith("?"):
            sku, name = None, key[1:].replace("_", " ")
        else:
            sku = KEYS[key]
            name = catalog[sku]["name"]
        items.append({"sku": sku, "name": name, "quantity": qty, "color": color,
                      "size": size, "unit": unit})
    return items


def auto_tags(gold, catalog):
    tags = set()
    items = gold["items"]
    tags.add("multi_item" if len(items) > 1 else "single_item")
    for it in items:
        if it["sku"] is None:
            tags.add("non_catalog_item")
        else:
            cat = catalog[it["sku"]]["category"]
            if cat in ("apparel", "hardware"):
                tags.add(cat)
        if it["unit"] != "each":
            tags.add("pack_units")
    d = gold["delivery"]
    if d["address"]:
        tags.add("has_address")
    if not any(d.values()):
        tags.add("missing_delivery")
    if gold["requested_date"]:
        tags.add("has_date")
    if gold["notes"]:
        tags.add("has_notes")
    if not gold["customer_name"]:
        tags.add("missing_name")
    if not gold["company"]:
        tags.add("missing_company")
    return tags


def load_split(split, catalog):
    rows = []
    for path in sorted((HERE / "src").glob(f"orders_{split}_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for raw in mod.ORDERS:
            text = textwrap.dedent(raw["text"]).strip("\n")
            text = "\n".join(line.rstrip() for line in text.split("\n"))
            gold = {
                "customer_name": raw["customer_name"],
                "company": raw["company"],
                "items": parse_items(raw["items"], catalog),
                "delivery": {"address": raw["address"], "city": raw["city"],
                             "country": raw["country"]},
                "requested_date": raw["date"],
                "notes": raw["notes"],
            }
            unknown = set(raw["tags"]) - STYLE_TAGS - TEST_ONLY_TAGS
            if unknown:
                raise ValueError(f"{path.name}: unknown tags {unknown} in {text[:60]!r}")
            tags = sorted(set(raw["tags"]) | auto_tags(gold, catalog))
            rows.append({"text": text, "gold": gold, "tags": tags, "_src": path.name})
    for i, r in enumerate(rows, 1):
        r["id"] = f"O-{split}-{i:04d}"
    return rows


def stats_block(train, test):
    def c(rows, pred):
        return sum(1 for r in rows if pred(r))
    lines = ["| | train | test |", "|---|---:|---:|"]
    def add(label, pred):
        lines.append(f"| {label} | {c(train, pred)} | {c(test, pred)} |")
    add("orders", lambda r: True)
    lines.append(f"| order lines (items) | {sum(len(r['gold']['items']) for r in train)} | "
                 f"{sum(len(r['gold']['items']) for r in test)} |")
    add("orders with 2+ items", lambda r: len(r["gold"]["items"]) > 1)
    add("orders with a non-catalog item (sku null)",
        lambda r: any(i["sku"] is None for i in r["gold"]["items"]))
    add("orders with a pack/box unit", lambda r: "pack_units" in r["tags"])
    add("customer_name null", lambda r: r["gold"]["customer_name"] is None)
    add("company null", lambda r: r["gold"]["company"] is None)
    add("requested_date set", lambda r: r["gold"]["requested_date"] is not None)
    add("notes set", lambda r: r["gold"]["notes"] is not None)
    add("delivery.address set", lambda r: r["gold"]["delivery"]["address"] is not None)
    add("delivery.country set", lambda r: r["gold"]["delivery"]["country"] is not None)
    add("delivery all null", lambda r: not any(r["gold"]["delivery"].values()))
    tag_counts_train = Counter(t for r in train for t in r["tags"])
    tag_counts_test = Counter(t for r in test for t in r["tags"])
    lines.append("")
    lines.append("Tag counts (an order has several tags):")
    lines.append("")
    lines.append("| tag | train | test |")
    lines.append("|---|---:|---:|")
    for t in sorted(ALL_TAGS):
        lines.append(f"| `{t}` | {tag_counts_train[t]} | {tag_counts_test[t]} |")
    countries = Counter(r["gold"]["delivery"]["country"] for r in train + test
                        if r["gold"]["delivery"]["country"])
    lines.append("")
    lines.append(f"Countries named (both splits, {len(countries)} distinct): " + ", ".join(
        f"{k} ({v})" for k, v in sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))) + ".")
    words = [len(r["text"].split()) for r in train + test]
    lines.append("")
    lines.append(f"Text length: {min(words)} to {max(words)} words, "
                 f"median {sorted(words)[len(words) // 2]}.")
    return "\n".join(lines)


def main():
    catalog = load_catalog()
    train = load_split("train", catalog)
    test = load_split("test", catalog)
    import check  # noqa: E402  (same folder)
    problems = check.check_rows(train, test, catalog)
    if problems:
        print("\n".join(problems[:80]))
        print(f"{len(problems)} problems", file=sys.stderr)
        sys.exit(1)
    for split, rows in (("train", train), ("test", test)):
        with open(HERE / f"{split}.jsonl", "w") as f:
            for r in rows:
                f.write(json.dumps({"id": r["id"], "text": r["text"], "gold": r["gold"],
                                    "tags": r["tags"]}, ensure_ascii=False) + "\n")
    readme = HERE / "README.md"
    if readme.exists():
        txt = readme.read_text()
        block = stats_block(train, test)
        new = re.sub(r"(<!-- STATS:BEGIN -->\n).*?(<!-- STATS:END -->)",
                     lambda m: m.group(1) + block + "\n" + m.group(2), txt, flags=re.S)
        readme.write_text(new)
    print(f"train={len(train)} test={len(test)}")
    print(stats_block(train, test))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
