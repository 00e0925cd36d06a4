"""Agentic RAG (notebook 05): a SQLite support database, the tools an agent calls, and the agent loop.

Modules: ``support_db`` (the database built from CSVs, parameterised SQL only), ``tools`` (the tool schemas and
their safe execution), ``loop`` (the agent loop on Anthropic tool use and OpenAI function calling), ``exercises``.
"""
