from helpers import llm, registry
from helpers.prompting import exercises


def test_cost_exercise_accepts_the_right_number_only():
    model = registry.get(registry.default_model("anthropic"))
    right = 10_000 * (500 * model.input_usd_per_mtok + 200 * model.output_usd_per_mtok) / 1e6
    assert exercises.verify("00.cost_of_10k_calls", right)[0]
    assert not exercises.verify("00.cost_of_10k_calls", right * 1e6)[0]


def test_long_context_exercise():
    ok, message = exercises.verify("00.cheapest_long_context", "claude-opus-5-5")
    assert not ok and "Hint" in message
    eligible = [m for m in registry.models().values()
                if m.provider in ("anthropic", "openai") and m.context_window >= 400_000]
    cheapest = min(eligible, key=lambda m: m.input_usd_per_mtok + m.output_usd_per_mtok)
    assert exercises.verify("00.cheapest_long_context", cheapest.id)[0]


def test_stop_sequence_exercise_with_a_real_call(engine):
    good = llm.complete("Count from 1 to 10, separated by commas.", stop=["4"], max_tokens=40)
    assert exercises.verify("00.stop_sequence", good)[0]
    bad = llm.complete("Count from 1 to 10, separated by commas.", max_tokens=40)
    assert not exercises.verify("00.stop_sequence", bad)[0]


def test_unanswered_exercise_prints_todo(capsys):
    exercises.check("00.cost_of_10k_calls", None)
    assert "[todo]" in capsys.readouterr().out


def test_notebook_01_exercises():
    from helpers import datasets
    from helpers.prompting import evaluation
    from helpers.prompting import patterns as prompting
    from helpers.prompting.patterns import Prompt

    gold = ["BILLING", "TECHNICAL", "TECHNICAL", "ACCOUNT", "OTHER", "FEATURE_REQUEST"]
    pred = ["BILLING", "TECHNICAL", "BILLING", "ACCOUNT", "ACCOUNT", "FEATURE_REQUEST"]
    right = evaluation.macro_f1(gold, pred, datasets.TICKET_LABELS)
    assert exercises.verify("01.macro_f1", right)[0]
    assert not exercises.verify("01.macro_f1", evaluation.accuracy(gold, pred))[0]
    import pandas as pd

    table = pd.DataFrame({"macro_f1": [0.50, 0.47, 0.30], "$ per 1,000 at list price": [0.9, 0.2, 0.01]},
                         index=["few-shot", "prefill", "zero-shot"])
    assert exercises.verify("01.cheapest_good_pattern", ("prefill", table))[0]
    assert not exercises.verify("01.cheapest_good_pattern", ("zero-shot", table))[0]


def test_format_validity_exercise_is_achievable_offline(engine):
    from helpers import datasets
    from helpers.prompting import patterns as prompting
    from helpers.prompting.patterns import Prompt

    train = datasets.tickets("train")
    shots = []
    for ex in (train[0], train[1], train[5]):
        shots += [{"role": "user", "content": ex["text"]}, {"role": "assistant", "content": f"Category: {ex['label']}"}]

    def reference(ticket):
        return Prompt(system="Sort support tickets. Reply: Category: <BILLING|TECHNICAL|ACCOUNT|FEATURE_REQUEST|OTHER>",
                      messages=shots + [{"role": "user", "content": ticket["text"]},
                                        {"role": "assistant", "content": "Category:"}],
                      parser=prompting.parse_category_line, max_tokens=6)

    ok, message = exercises.verify("01.format_validity", reference)
    assert ok, message
    assert not exercises.verify("01.format_validity", lambda t: None)[0]


def test_changed_documents_exercise_catches_the_usual_mistakes():
    """06b.changed_documents: the right diff passes; one that ignores metadata, or pairs documents by position, fails
    with the case that shows it."""
    import dataclasses

    import helpers.rag.exercises  # noqa: F401  registers the checker
    from helpers import paths, rag

    before = list(rag.load_corpus(paths.DATA_DIR / "kb", quiet=True))
    after = before[1:] + [dataclasses.replace(before[0], id="new-page")]

    def diff(key):
        def changed_documents(old, new):
            a, b = {d.id: key(d) for d in old}, {d.id: key(d) for d in new}
            return {"added": b.keys() - a.keys(), "removed": a.keys() - b.keys(),
                    "changed": {i for i in a.keys() & b.keys() if a[i] != b[i]}}
        return changed_documents

    def by_position(old, new):
        return {"added": [d.id for d in new[len(old):]], "removed": [d.id for d in old[len(new):]],
                "changed": [b.id for a, b in zip(old, new) if (a.title, a.text) != (b.title, b.text)]}

    ok, message = exercises.verify("06b.changed_documents", (diff(lambda d: (d.title, d.text, repr(d.metadata))), before, after))
    assert ok and "1 added, 0 changed, 1 removed" in message, message
    ok, message = exercises.verify("06b.changed_documents", (diff(lambda d: (d.title, d.text)), before, after))
    assert not ok and message.startswith("only the metadata"), message
    ok, message = exercises.verify("06b.changed_documents", (by_position, before, after))
    assert not ok and "Hint" in message, message
    ok, message = exercises.verify("06b.changed_documents", (lambda old, new: {"added": []}, before, after))
    assert not ok and "return a dict" in message, message
