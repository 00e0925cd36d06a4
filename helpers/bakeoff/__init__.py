"""The bake-off (notebook 10): every strategy on the same tasks, one table, the seed's claims judged by rules.

Modules: ``harness`` (cached cells, the yardstick table, claims and verdicts), ``tasks`` (the strategies: prompts,
RAG, LoRA, hybrids), ``lora`` (LoRA adapters for the bake-off tasks), ``exercises``.
"""
