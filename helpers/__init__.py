"""Helpers for the course "Prompt, RAG or Fine-tune?".

Every notebook imports from this package. Modules are split by topic (see README.md, "What is in helpers/");
importing ``helpers`` itself loads nothing heavy and has no side effects.
"""

__version__ = "0.1.0"
