"""The decision framework as data (data/decision_framework.yaml): load and check it, walk it with answers, draw it,
and ask it as an ipywidgets questionnaire.

Taught in notebooks/09_decision_framework.ipynb. The checks (every path ends in a recommendation, no cycles, no
unreachable node, every named notebook exists where the notebooks are: a checkout, not a wheel) run on every load,
so an edited file fails loudly, naming the file and the node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from helpers import paths

FRAMEWORK_PATH = paths.DATA_DIR / "decision_framework.yaml"
NOTEBOOKS_DIR = paths.NOTEBOOKS_DIR
STRATEGY_NAMES = ("prompt", "rag", "finetune")
COST_STRATEGIES = ("prompt", "rag", "api_finetune", "open_finetune", "hybrid")  # helpers.decision.costs.STRATEGIES


class FrameworkError(ValueError):
    """The framework file cannot be used; the message names the file, the node and what to fix."""


@dataclass(frozen=True)
class Answer:
    key: str
    label: str
    next: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    help: str
    answers: tuple[Answer, ...]

    def answer(self, choice: str | int) -> Answer:
        """The answer chosen by its key, its label or its position."""
        if isinstance(choice, int) and not isinstance(choice, bool):
            if 0 <= choice < len(self.answers):
                return self.answers[choice]
        else:
            for a in self.answers:
                if choice in (a.key, a.label):
                    return a
        options = ", ".join(repr(a.key) for a in self.answers)
        raise KeyError(f"Question {self.id!r} ({self.text}) has no answer {choice!r}; choose one of {options}.")


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: str
    strategies: tuple[str, ...]
    summary: str
    why: str
    next_steps: tuple[str, ...]
    notebooks: tuple[str, ...]
    cost_strategy: str
    warning: str | None = None

    @property
    def hybrid(self) -> bool:
        """Two or more strategies combined (prompt + RAG, RAG + fine-tuning)."""
        return len(self.strategies) > 1


@dataclass(frozen=True)
class Framework:
    path: Path
    start: str
    questions: dict[str, Question]
    recommendations: dict[str, Recommendation]

    def node(self, node_id: str) -> Question | Recommendation:
        if node_id in self.questions:
            return self.questions[node_id]
        if node_id in self.recommendations:
            return self.recommendations[node_id]
        raise KeyError(f"{self.path.name}: no question or recommendation called {node_id!r}.")


# --- loading and checking ---------------------------------------------------------------------------------------
def _text(entry: Mapping, name: str, where: str, problems: list[str], *, optional: bool = False) -> str | None:
    value = entry.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        got = "missing" if value is None else f"{type(value).__name__} {value!r}"
        hint = " (YAML reads unquoted yes/no as booleans: write \"yes\")" if isinstance(value, bool) else ""
        problems.append(f"{where}: field {name!r} must be a non-empty string, got {got}{hint}")
        return None
    return value.strip()


def _text_list(entry: Mapping, name: str, where: str, problems: list[str]) -> tuple[str, ...]:
    value = entry.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: field {name!r} must be a non-empty list of strings, got {value!r}")
        return ()
    return tuple(v.strip() for v in value)


def _parse_question(qid: str, entry, problems: list[str]) -> Question | None:
    where = f"question {qid!r}"
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: must be a mapping with text, help and answers, got {type(entry).__name__}")
        return None
    text, help_ = _text(entry, "text", where, problems), _text(entry, "help", where, problems)
    raw = entry.get("answers")
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append(f"{where}: field 'answers' must list at least two answers, got {raw!r}")
        return None
    answers = []
    for i, item in enumerate(raw):
        at = f"{where}, answer {i + 1}"
        if not isinstance(item, Mapping):
            problems.append(f"{at}: must be a mapping with key, label and next, got {item!r}")
            continue
        key, label, nxt = (_text(item, n, at, problems) for n in ("key", "label", "next"))
        if key and label and nxt:
            answers.append(Answer(key, label, nxt))
    keys = [a.key for a in answers]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"{where}: answer key {key!r} appears twice")
    if text is None or help_ is None or len(answers) != len(raw):
        return None
    return Question(qid, text, help_, tuple(answers))


def _parse_recommendation(rid: str, entry, problems: list[str]) -> Recommendation | None:
    where = f"recommendation {rid!r}"
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: must be a mapping, got {type(entry).__name__}")
        return None
    before = len(problems)
    fields = {n: _text(entry, n, where, problems) for n in ("title", "summary", "why", "cost_strategy")}
    warning = _text(entry, "warning", where, problems, optional=True)
    lists = {n: _text_list(entry, n, where, problems) for n in ("strategies", "next_steps", "notebooks")}
    unknown = [s for s in lists["strategies"] if s not in STRATEGY_NAMES]
    if unknown:
        problems.append(f"{where}: unknown strategies {unknown}; use {', '.join(STRATEGY_NAMES)}")
    if fields["cost_strategy"] and fields["cost_strategy"] not in COST_STRATEGIES:
        problems.append(f"{where}: cost_strategy {fields['cost_strategy']!r} is not one of {', '.join(COST_STRATEGIES)}")
    if len(problems) > before:
        return None
    return Recommendation(rid, fields["title"], lists["strategies"], fields["summary"], fields["why"],
                          lists["next_steps"], lists["notebooks"], fields["cost_strategy"], warning)


def _graph_problems(fw: Framework, notebooks_dir: Path) -> list[str]:
    """Dangling links, cycles, unreachable nodes and missing notebooks."""
    problems = []
    if fw.start not in fw.questions:
        problems.append(f"'start' names {fw.start!r}, which is not a question")
        return problems
    for q in fw.questions.values():
        for a in q.answers:
            if a.next not in fw.questions and a.next not in fw.recommendations:
                problems.append(f"question {q.id!r}, answer {a.key!r}: 'next' names {a.next!r}, which is neither a "
                                "question nor a recommendation (a dead end)")
    # The notebooks ship with a checkout (make lab, Colab's clone), not with a regular install of the wheel, which
    # holds the helpers and data/ only: there is nothing to look for, so the check is left to the checkout.
    has_notebooks = notebooks_dir.is_dir()
    for rid, rec in fw.recommendations.items():
        for name in rec.notebooks:
            if has_notebooks and not (notebooks_dir / name).is_file():
                problems.append(f"recommendation {rid!r}: notebook {name!r} does not exist in {notebooks_dir}")
    if problems:
        return problems
    state: dict[str, str] = {}  # "open" while on the current path, "done" after

    def visit(node: str, trail: list[str]) -> None:
        if node in fw.recommendations or state.get(node) == "done":
            return
        if state.get(node) == "open":
            loop = trail[trail.index(node):] + [node]
            problems.append(f"question {node!r} leads back to itself: {' -> '.join(loop)} (a cycle)")
            return
        state[node] = "open"
        for a in fw.questions[node].answers:
            visit(a.next, trail + [node])
        state[node] = "done"

    visit(fw.start, [])
    reached = set(state) | {a.next for q in fw.questions.values() if q.id in state for a in q.answers}
    for node in list(fw.questions) + list(fw.recommendations):
        if node not in reached:
            problems.append(f"{'question' if node in fw.questions else 'recommendation'} {node!r} cannot be reached "
                            f"from start {fw.start!r}")
    return problems


def load_framework(path: str | Path = FRAMEWORK_PATH, *, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> Framework:
    """Read and check a framework file; raises :class:`FrameworkError` listing every problem with its node."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FrameworkError(f"{path}: file not found. The course's framework is {FRAMEWORK_PATH}.") from None
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path}: not valid YAML ({exc}). Fix the line it names.") from None
    if not isinstance(raw, Mapping) or not all(isinstance(raw.get(k), Mapping) for k in ("questions", "recommendations")):
        raise FrameworkError(f"{path}: needs a top-level 'start', a 'questions' mapping and a 'recommendations' "
                             "mapping (see data/decision_framework.yaml).")
    problems: list[str] = []
    questions = {str(k): _parse_question(str(k), v, problems) for k, v in raw["questions"].items()}
    recs = {str(k): _parse_recommendation(str(k), v, problems) for k, v in raw["recommendations"].items()}
    for node in sorted(set(questions) & set(recs)):
        problems.append(f"{node!r} is both a question and a recommendation; rename one")
    start = raw.get("start")
    if not isinstance(start, str):
        problems.append(f"'start' must name the first question, got {start!r}")
    if not problems:
        fw = Framework(path, start, questions, recs)  # type: ignore[arg-type]
        problems = _graph_problems(fw, Path(notebooks_dir))
    if problems:
        raise FrameworkError(f"{path} has {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))
    return fw


# --- walking ----------------------------------------------------------------------------------------------------
@dataclass
class Walk:
    """The questions asked, the answers given, and the recommendation reached."""

    steps: list[tuple[Question, Answer]]
    recommendation: Recommendation

    def explain(self) -> str:
        """The recommendation with the reasoning that led to it, as Markdown."""
        rec = self.recommendation
        kind = " + ".join(rec.strategies) + (" (a hybrid)" if rec.hybrid else "")
        lines = [f"### {rec.title}", "", f"*Strategy: {kind}.* {rec.summary}", "", "**Because you said:**"]
        lines += [f"- {q.text} **{a.label}**" for q, a in self.steps]
        lines += ["", f"**Why:** {rec.why}"]
        if rec.warning:
            lines += ["", f"**Watch out:** {rec.warning}"]
        lines += ["", "**Next steps:**"] + [f"{i}. {s}" for i, s in enumerate(rec.next_steps, 1)]
        lines += ["", "**Taught in:** " + ", ".join(f"`{n}`" for n in rec.notebooks),
                  f"  \n**Price it with:** `costs.estimate({rec.cost_strategy!r}, workload, prices)`"]
        return "\n".join(lines)


def walk(fw: Framework, answers: Mapping[str, str | int]) -> Walk:
    """Follow the framework from its start with ``answers`` (question id -> answer key, label or index). Answers to
    questions not on the path are ignored; a question on the path without an answer raises KeyError."""
    steps, node = [], fw.start
    while node in fw.questions:
        question = fw.questions[node]
        if node not in answers:
            options = ", ".join(repr(a.key) for a in question.answers)
            raise KeyError(f"No answer for question {node!r} ({question.text}); add {node!r}: one of {options}.")
        answer = question.answer(answers[node])
        steps.append((question, answer))
        node = answer.next
        if len(steps) > len(fw.questions):  # only a framework built by hand, unchecked, can loop
            raise FrameworkError(f"{fw.path}: the walk passed {len(steps)} questions; the file has a cycle.")
    return Walk(steps, fw.recommendations[node])


def all_paths(fw: Framework) -> list[Walk]:
    """Every path from the start to a recommendation (the checked framework is acyclic, so this ends)."""
    found: list[Walk] = []

    def extend(node: str, steps: list[tuple[Question, Answer]]) -> None:
        if node in fw.recommendations:
            found.append(Walk(list(steps), fw.recommendations[node]))
            return
        for a in fw.questions[node].answers:
            extend(a.next, steps + [(fw.questions[node], a)])

    extend(fw.start, [])
    return found


@dataclass
class Session:
    """A questionnaire in progress: the plain logic behind :func:`questionnaire` (testable without widgets)."""

    fw: Framework
    history: list[tuple[str, str]] = field(default_factory=list)  # (question id, answer key)

    @property
    def current(self) -> Question | Recommendation:
        node = self.fw.start
        for _, key in self.history:
            node = self.fw.questions[node].answer(key).next
        return self.fw.node(node)

    @property
    def done(self) -> bool:
        return isinstance(self.current, Recommendation)

    def answer(self, choice: str | int) -> Question | Recommendation:
        node = self.current
        if not isinstance(node, Question):
            raise ValueError("The questionnaire has reached a recommendation; call back() or restart().")
        self.history.append((node.id, node.answer(choice).key))
        return self.current

    def back(self) -> None:
        if self.history:
            self.history.pop()

    def restart(self) -> None:
        self.history.clear()

    def result(self) -> Walk:
        if not self.done:
            raise ValueError(f"Not finished: answer {self.current.id!r} first.")
        return walk(self.fw, dict(self.history))


# --- the diagram ------------------------------------------------------------------------------------------------
STRATEGY_COLOURS = {"prompt": "#4C78A8", "rag": "#F58518", "finetune": "#54A24B", "hybrid": "#B279A2"}


def _layers(fw: Framework) -> dict[str, int]:
    """Depth of every node: the longest path from the start, so every arrow points downwards."""
    depth = {fw.start: 0}
    order = [w for w in _topological(fw)]
    for node in order:
        if node in fw.questions:
            for a in fw.questions[node].answers:
                depth[a.next] = max(depth.get(a.next, 0), depth[node] + 1)
    return depth


def _topological(fw: Framework) -> list[str]:
    seen, order = set(), []

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        if node in fw.questions:
            for a in fw.questions[node].answers:
                visit(a.next)
        order.append(node)

    visit(fw.start)
    return order[::-1]


def layout(fw: Framework) -> dict[str, tuple[float, float]]:
    """(x, y) of every node: recommendations on the bottom row, questions by depth, ordered to keep arrows short."""
    depth = _layers(fw)
    bottom = max(depth[q] for q in fw.questions) + 1
    for rid in fw.recommendations:
        depth[rid] = bottom
    rows: dict[int, list[str]] = {}
    for node in _topological(fw):
        rows.setdefault(depth[node], []).append(node)
    pos: dict[str, tuple[float, float]] = {}
    parents: dict[str, list[str]] = {}
    for q in fw.questions.values():
        for a in q.answers:
            parents.setdefault(a.next, []).append(q.id)
    for level in sorted(rows):
        nodes = rows[level]
        if level:  # order by the mean x of the parents already placed (barycentre heuristic)
            nodes.sort(key=lambda n: sum(pos[p][0] for p in parents[n]) / len(parents[n]))
        for i, node in enumerate(nodes):
            pos[node] = ((i + 0.5) / len(nodes), -float(level))
    return pos


def _wrap(text: str, width: int = 22) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def diagram(fw: Framework, highlight: Walk | None = None, *, height: int = 760):
    """The framework as a plotly figure: questions (grey boxes), recommendations coloured by strategy, answers on
    the arrows; ``highlight`` draws one walk's path in black. Hover a question for its full text."""
    import plotly.graph_objects as go

    pos = layout(fw)
    on_path = {(q.id, a.key) for q, a in highlight.steps} if highlight else set()
    fig = go.Figure()
    for q in fw.questions.values():
        for a in q.answers:
            (x0, y0), (x1, y1) = pos[q.id], pos[a.next]
            hot = (q.id, a.key) in on_path
            fig.add_annotation(x=x1, y=y1 + 0.18, ax=x0, ay=y0 - 0.18, xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowwidth=2.5 if hot else 1,
                               arrowcolor="black" if hot else "#BBBBBB", text="")
            fig.add_annotation(x=x0 + 0.35 * (x1 - x0), y=y0 + 0.35 * (y1 - y0), text=a.key.replace("_", " "),
                               showarrow=False, font=dict(size=9, color="black" if hot else "#777777"),
                               bgcolor="rgba(255,255,255,0.85)")
    for node, (x, y) in pos.items():
        if node in fw.questions:
            q = fw.questions[node]
            text, colour, hover = _wrap(q.text, 26), "#EEEEEE", q.text + "<br><i>" + _wrap(q.help, 60) + "</i>"
        else:
            r = fw.recommendations[node]
            kind = "hybrid" if r.hybrid else r.strategies[0]
            text, colour, hover = "<b>" + _wrap(r.title, 18) + "</b>", STRATEGY_COLOURS[kind], _wrap(r.summary, 60)
        chosen = highlight is not None and (node == highlight.recommendation.id or
                                            any(q.id == node for q, _ in highlight.steps))
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=9),
                           bgcolor=colour, bordercolor="black" if chosen else "#999999",
                           borderwidth=3 if chosen else 1, borderpad=4, hovertext=hover)
    for kind, colour in STRATEGY_COLOURS.items():  # legend entries
        fig.add_scatter(x=[None], y=[None], mode="markers", marker=dict(size=12, color=colour, symbol="square"),
                        name=kind if kind != "finetune" else "fine-tune")
    fig.update_xaxes(visible=False, range=[-0.02, 1.02])
    fig.update_yaxes(visible=False, range=[min(y for _, y in pos.values()) - 0.6, 0.6])
    title = f"The decision framework ({fw.path.name}: {len(fw.questions)} questions, " \
            f"{len(fw.recommendations)} recommendations)"
    fig.update_layout(title=title, height=height, plot_bgcolor="white", margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", y=-0.02))
    return fig


# --- the questionnaire widget -----------------------------------------------------------------------------------
def questionnaire(fw: Framework, *, on_result=None):
    """An ipywidgets questionnaire over :class:`Session`: one question at a time (with its help), Back and Restart,
    and at the end the explained recommendation and the diagram with the path drawn. ``on_result(walk)`` is called
    when a recommendation is reached."""
    import ipywidgets as widgets
    from IPython.display import Markdown, display

    session = Session(fw)
    title = widgets.HTML()
    choices = widgets.RadioButtons(layout=widgets.Layout(width="auto"))
    next_b = widgets.Button(description="Next", button_style="primary")
    back_b, restart_b = widgets.Button(description="Back"), widgets.Button(description="Restart")
    out = widgets.Output()

    def render() -> None:
        node = session.current
        out.clear_output()
        back_b.disabled = not session.history
        if isinstance(node, Question):
            title.value = f"<b>Question {len(session.history) + 1}: {node.text}</b><br><i>{node.help}</i>"
            choices.options = [(a.label, a.key) for a in node.answers]
            choices.value, choices.disabled, next_b.disabled = None, False, True
            return
        result = session.result()
        title.value = f"<b>Recommendation: {node.title}</b>"
        choices.options, choices.disabled, next_b.disabled = [], True, True
        with out:
            display(Markdown(result.explain()))
            diagram(fw, highlight=result, height=620).show()
        if on_result:
            on_result(result)

    choices.observe(lambda change: setattr(next_b, "disabled", change["new"] is None), names="value")
    next_b.on_click(lambda _: (session.answer(choices.value), render()))
    back_b.on_click(lambda _: (session.back(), render()))
    restart_b.on_click(lambda _: (session.restart(), render()))
    render()
    box = widgets.VBox([title, choices, widgets.HBox([back_b, next_b, restart_b]), out])
    box.session = session  # lets a cell read the state (box.session.history)
    return box
