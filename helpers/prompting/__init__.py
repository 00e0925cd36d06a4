"""Prompting and evaluation, the course's first part (notebooks 00-02).

Modules: ``patterns`` (prompt objects, parsers, few-shot and chain-of-thought patterns, notebook 01), ``evaluation``
(the course yardstick: accuracy, macro-F1, format validity, tokens, latency, dollars, cached results),
``limits`` (where prompting falls short, notebook 02), ``exercises`` (the checkers of notebooks 00-02).
"""
