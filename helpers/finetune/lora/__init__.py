"""LoRA and full fine-tuning on any hardware: parameter counts from model configs, memory estimates, the
hardware plan, the training loop (accelerate, checkpoints, resume), evaluation, live plots and widgets.

Taught in notebooks/08_lora_finetuning.ipynb. Modules: ``shapes``, ``memory``, ``hardware``, ``train``,
``evaluate``, ``live``, ``exercises``; ``python -m helpers.finetune.lora --help`` for the command line.
helpers.finetune.lora.loop (the answer-only loss and the simple loop of notebook 07) stays the base they build on.
"""
