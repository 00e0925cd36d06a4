"""The decision framework (notebook 09): the framework as checked data, a questionnaire, and the cost calculator.

Modules: ``framework`` (data/decision_framework.yaml loaded, checked, walked and drawn), ``costs`` (prompt vs RAG vs
fine-tune cost per month from registry prices, crossover volumes), ``cases`` (the case studies' miniatures: the help
centre before and after an update, replies scored on knowledge and brand voice), ``exercises``.
"""
