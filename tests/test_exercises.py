from helpers import exercises, llm, registry


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
