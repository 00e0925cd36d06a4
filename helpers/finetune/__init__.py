"""Fine-tuning (notebooks 07 and 08): training data and its checks, API fine-tuning jobs, LoRA.

Modules: ``data`` (the chat format, the validator and quality gates, notebook 07), ``tasks`` (the course's
fine-tuning tasks as chat examples), ``jobs`` (the OpenAI fine-tuning job flow, trained offline as a real LoRA
adapter), ``lora`` (LoRA and full fine-tuning on any hardware, notebook 08), ``exercises``.
"""
