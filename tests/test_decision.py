"""The decision framework (helpers.decision.framework, data/decision_framework.yaml): the course's file is complete and
acyclic, broken copies fail with errors naming the file and the node, walks and the questionnaire behave."""

import copy
from collections import Counter

import plotly.io as pio
import pytest
import yaml

from helpers.decision import framework as decision
from helpers.decision.framework import FrameworkError

CASES = {  # the seed's three case studies, as answered in notebook 09
    "rag": {"problem": "knowledge", "knowledge_size": "large_or_changing", "knowledge_live": "no"},
    "api_finetune": {"problem": "format", "format_prompt_tried": "yes", "format_good_enough": "no",
                     "finetune_examples": "yes", "finetune_where": "no"},
    "rag_finetune": {"problem": "both", "hybrid_facts_first": "yes", "hybrid_remaining": "format_style",
                     "hybrid_examples": "yes"},
}


@pytest.fixture(scope="module")
def fw():
    return decision.load_framework()


@pytest.fixture()
def raw():
    return yaml.safe_load(decision.FRAMEWORK_PATH.read_text(encoding="utf-8"))


def write(tmp_path, data):
    path = tmp_path / "framework.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_every_path_ends_in_a_recommendation(fw):
    paths = decision.all_paths(fw)
    assert len(paths) >= len(fw.recommendations)
    for path in paths:
        assert path.recommendation.id in fw.recommendations
        assert path.steps[0][0].id == fw.start
        ids = [q.id for q, _ in path.steps]
        assert len(ids) == len(set(ids)), f"a question repeats on {ids}"  # no cycles
        for (q, a), nxt in zip(path.steps, ids[1:] + [path.recommendation.id]):
            assert a.next == nxt


def test_every_node_is_used(fw):
    paths = decision.all_paths(fw)
    assert {p.recommendation.id for p in paths} == set(fw.recommendations)
    assert {q.id for p in paths for q, _ in p.steps} == set(fw.questions)
    assert {(q.id, a.key) for p in paths for q, a in p.steps} == {(q.id, a.key) for q in fw.questions.values()
                                                                  for a in q.answers}


def test_referenced_notebooks_exist(fw):
    for rec in fw.recommendations.values():
        for name in rec.notebooks:
            assert (decision.NOTEBOOKS_DIR / name).is_file(), f"{rec.id}: {name}"


def test_hybrid_outcomes_exist(fw):
    combos = {frozenset(r.strategies) for r in fw.recommendations.values() if r.hybrid}
    assert frozenset({"rag", "finetune"}) in combos and frozenset({"prompt", "rag"}) in combos


def test_no_path_fine_tunes_a_pure_knowledge_problem(fw):
    """The seed's "most common mistake" cannot be reached by answering "knowledge"."""
    for path in decision.all_paths(fw):
        if path.steps[0][1].key == "knowledge":
            assert "finetune" not in path.recommendation.strategies


@pytest.mark.parametrize("expected", sorted(CASES))
def test_case_study_answers(fw, expected):
    result = decision.walk(fw, CASES[expected])
    assert result.recommendation.id == expected
    text = result.explain()
    assert result.recommendation.title in text and all(a.label in text for _, a in result.steps)
    assert all(n in text for n in result.recommendation.notebooks)


def test_walk_accepts_labels_and_positions_and_names_missing_answers(fw):
    by_label = decision.walk(fw, {"problem": fw.questions["problem"].answers[0].label, "knowledge_size": 0})
    assert by_label.recommendation.id == "prompt_context"
    with pytest.raises(KeyError, match="No answer for question 'knowledge_size'.*'small_static'"):
        decision.walk(fw, {"problem": "knowledge"})
    with pytest.raises(KeyError, match="has no answer 'maybe'"):
        decision.walk(fw, {"problem": "maybe"})
    with pytest.raises(KeyError, match="has no answer 9"):
        decision.walk(fw, {"problem": 9})


def test_session_answers_back_and_restart(fw):
    s = decision.Session(fw)
    assert s.current.id == fw.start and not s.done
    with pytest.raises(ValueError, match="Not finished"):
        s.result()
    for qid, key in CASES["rag"].items():
        assert s.current.id == qid
        s.answer(key)
    assert s.done and s.result().recommendation.id == "rag"
    with pytest.raises(ValueError, match="reached a recommendation"):
        s.answer("yes")
    s.back()
    assert s.current.id == "knowledge_live"
    s.restart()
    assert s.current.id == fw.start and s.history == []


def test_questionnaire_widget_walks_to_the_result(fw, monkeypatch):
    monkeypatch.setattr(pio.renderers, "default", "json")  # no browser from fig.show() in a test process
    got = []
    box = decision.questionnaire(fw, on_result=got.append)
    title, choices, buttons = box.children[0], box.children[1], box.children[2]
    back_b, next_b, _ = buttons.children
    assert fw.questions[fw.start].text in title.value and next_b.disabled
    for key in CASES["api_finetune"].values():
        choices.value = key
        assert not next_b.disabled
        next_b.click()
    assert [r.recommendation.id for r in got] == ["api_finetune"]
    assert "Fine-tune through an API" in title.value
    back_b.click()
    assert box.session.current.id == "finetune_where"


def test_layout_points_every_arrow_down(fw):
    pos = decision.layout(fw)
    assert set(pos) == set(fw.questions) | set(fw.recommendations)
    for q in fw.questions.values():
        for a in q.answers:
            assert pos[a.next][1] < pos[q.id][1], (q.id, a.next)
    bottom = min(y for _, y in pos.values())
    assert all(pos[r][1] == bottom for r in fw.recommendations)


def test_diagram_draws_every_node_and_highlights_a_path(fw):
    result = decision.walk(fw, CASES["rag_finetune"])
    fig = decision.diagram(fw, highlight=result)
    edges = sum(len(q.answers) for q in fw.questions.values())
    boxes = [a for a in fig.layout.annotations if a.borderpad == 4]
    assert len(boxes) == len(fw.questions) + len(fw.recommendations)
    assert sum(1 for a in fig.layout.annotations if a.showarrow) == edges
    assert sum(1 for a in fig.layout.annotations if a.showarrow and a.arrowcolor == "black") == len(result.steps)
    assert sum(1 for a in boxes if a.borderwidth == 3) == len(result.steps) + 1


# --- broken files: each error names the file and the node -----------------------------------------------------
def test_dead_end(tmp_path, raw):
    raw["questions"]["knowledge_live"]["answers"][1]["next"] = "nowhere"
    path = write(tmp_path, raw)
    with pytest.raises(FrameworkError) as info:
        decision.load_framework(path)
    message = str(info.value)
    assert str(path) in message and "question 'knowledge_live', answer 'no'" in message and "'nowhere'" in message


def test_cycle(tmp_path, raw):
    raw["questions"]["finetune_where"]["answers"][0]["next"] = "format_good_enough"
    with pytest.raises(FrameworkError, match=r"leads back to itself: .*format_good_enough -> finetune_examples -> "
                                             r"finetune_where -> format_good_enough"):
        decision.load_framework(write(tmp_path, raw))


def test_missing_field_and_unquoted_yes(tmp_path, raw):
    del raw["questions"]["problem"]["text"]
    raw["questions"]["knowledge_live"]["answers"][0]["key"] = True  # what YAML makes of an unquoted yes
    del raw["recommendations"]["rag"]["notebooks"]
    with pytest.raises(FrameworkError) as info:
        decision.load_framework(write(tmp_path, raw))
    message = str(info.value)
    assert "3 problem(s)" in message
    assert "question 'problem': field 'text' must be a non-empty string, got missing" in message
    assert "question 'knowledge_live', answer 1: field 'key'" in message and 'write "yes"' in message
    assert "recommendation 'rag': field 'notebooks'" in message


def test_missing_notebook_unknown_strategy_and_unreachable(tmp_path, raw):
    raw["recommendations"]["rag"]["notebooks"] = ["99_nowhere.ipynb"]
    extra = copy.deepcopy(raw["recommendations"]["rag"])
    extra["notebooks"], extra["strategies"] = ["03_naive_rag.ipynb"], ["rag"]
    raw["recommendations"]["orphan"] = extra
    with pytest.raises(FrameworkError, match="recommendation 'rag': notebook '99_nowhere.ipynb' does not exist"):
        decision.load_framework(write(tmp_path, raw))
    raw["recommendations"]["rag"]["notebooks"] = ["03_naive_rag.ipynb"]
    with pytest.raises(FrameworkError, match="recommendation 'orphan' cannot be reached from start 'problem'"):
        decision.load_framework(write(tmp_path, raw))
    raw["recommendations"]["orphan"]["strategies"] = ["magic"]
    with pytest.raises(FrameworkError, match="recommendation 'orphan': unknown strategies \\['magic'\\]"):
        decision.load_framework(write(tmp_path, raw))


def test_duplicate_keys_and_a_single_answer(tmp_path, raw):
    raw["questions"]["knowledge_live"]["answers"][1]["key"] = "yes"
    raw["questions"]["hybrid_examples"]["answers"] = raw["questions"]["hybrid_examples"]["answers"][:1]
    with pytest.raises(FrameworkError) as info:
        decision.load_framework(write(tmp_path, raw))
    message = str(info.value)
    assert "question 'knowledge_live': answer key 'yes' appears twice" in message
    assert "question 'hybrid_examples': field 'answers' must list at least two answers" in message


def test_start_must_be_a_question(tmp_path, raw):
    raw["start"] = "rag"
    with pytest.raises(FrameworkError, match="'start' names 'rag', which is not a question"):
        decision.load_framework(write(tmp_path, raw))


def test_not_yaml_missing_file_and_wrong_shape(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions: [unclosed\n")
    with pytest.raises(FrameworkError, match="bad.yaml: not valid YAML"):
        decision.load_framework(bad)
    with pytest.raises(FrameworkError, match="missing.yaml: file not found"):
        decision.load_framework(tmp_path / "missing.yaml")
    bad.write_text("- a list\n")
    with pytest.raises(FrameworkError, match="needs a top-level 'start'"):
        decision.load_framework(bad)


def test_recommendations_reached_by_several_paths(fw):
    counts = Counter(p.recommendation.id for p in decision.all_paths(fw))
    assert counts["prompt_engineering"] >= 3  # "try the prompt first" is reachable from format and behaviour


def test_exercise_checkers():
    import pandas as pd

    from helpers.decision import costs
    from helpers.checking import verify
    from helpers.decision.exercises import EXERCISE_WORKLOAD  # importing registers the 09.* checkers

    assert verify("09.refund_bot", CASES["rag"])[0]
    assert not verify("09.refund_bot", CASES["api_finetune"])[0]
    assert "No answer for question" in verify("09.refund_bot", {"problem": "knowledge"})[1]
    table = pd.DataFrame({"confidently wrong": [0.4, 0.2, 0.2]}, index=["prompt only", "RAG", "other"])
    assert verify("09.fewest_confidently_wrong", ("RAG", table))[0]
    assert not verify("09.fewest_confidently_wrong", ("prompt only", table))[0]
    expected = costs.crossovers(EXERCISE_WORKLOAD, costs.registry_prices(), ("prompt", "api_finetune"))
    volume = float(expected["monthly queries"].iloc[0])
    assert verify("09.crossover", volume * 1.005)[0] and not verify("09.crossover", volume * 1.1)[0]
