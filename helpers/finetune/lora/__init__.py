"""LoRA and full fine-tuning on any hardware: parameter counts from model configs, memory estimates, the
hardware plan, the training loop (accelerate, checkpoints, resume), evaluation, live plots and widgets.

Taught in notebooks/08_lora_finetuning.ipynb. Modules: ``shapes``, ``memory``, ``hardware``, ``train``,
``evaluate``, ``live``, ``adapters`` (exercises: helpers.finetune.exercises); ``python -m helpers.finetune.lora --help``
for the command line.
``train`` is the course's one training loop: notebook 08, the offline fine-tuning jobs of notebook 07
(helpers.finetune.jobs) and the bake-off's adapters of notebook 10 (helpers.finetune.lora.adapters, which notebooks 08-10 share) all run it.
"""
