"""Prepare the offline caches once: ``python -m helpers.prepare`` (run by ``make lab`` and ``make test``).
Converts the packaged GGUF model to safetensors; a second run returns at once."""

from __future__ import annotations

import sys
import time

from helpers import local_model


def main() -> int:
    start = time.perf_counter()
    try:
        folder = local_model.ensure_converted()
    except local_model.OfflineModelError as exc:
        print(f"[FAIL] {exc}", file=sys.stderr)
        return 1
    print(f"[OK] offline model ready in {folder} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
