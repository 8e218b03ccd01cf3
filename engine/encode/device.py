"""Choosing the torch device the encoders run on.

The choice is made from what torch reports at run time, never from settings alone: a laptop
that had a GPU when the settings were written may not have it now, and indexing must still run.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISION_CHOICES = ("auto", "fp32", "bf16")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(preference: str = "auto") -> str:
    """Return "cuda", "mps" or "cpu" for ``preference`` (auto | cpu | cuda | mps).

    A requested device that torch cannot use falls back to cpu with a logged warning, so a
    stale setting never stops the app.
    """
    pref = (preference or "auto").strip().lower()
    if pref not in DEVICE_CHOICES:
        log.warning("unknown device setting %r; using auto", preference)
        pref = "auto"
    if pref == "cpu":
        return "cpu"
    import torch  # here, not at module level: importing torch takes seconds

    if pref in ("auto", "cuda") and torch.cuda.is_available():
        return "cuda"
    if pref in ("auto", "mps") and _mps_available():
        return "mps"
    if pref != "auto":
        log.warning("device %r requested but torch cannot use it here; falling back to cpu", pref)
    return "cpu"


def use_fp16(device: str) -> bool:
    """Half precision only on CUDA: MPS fp16 autocast is patchy and CPU fp16 is slower."""
    return device == "cuda"


def cpu_has_native_bf16() -> bool:
    """True where the CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX)."""
    import torch

    cpu = getattr(torch, "cpu", None)
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(cpu, name, lambda: False)()) for name in probes)


def use_cpu_bf16(device: str, precision: str = "auto") -> bool:
    """Run the models in bfloat16 on this CPU?

    Measured on an AVX512-BF16 CPU (docs/BENCHMARKS.md): the CLIP ViT-B-32 image tower 3.5x
    faster, a text query's CLIP text tower 2.6x and MiniLM 1.6x, embeddings within cosine
    0.9999 of fp32. Small-batch inference is bound by reading the weights, so halving them
    pays everywhere; but a CPU without bf16 hardware converts in software and gets slower,
    hence "auto" = only where the hardware has it. GPUs use fp16 autocast instead.
    """
    if device != "cpu":
        return False
    choice = (precision or "auto").strip().lower()
    if choice not in PRECISION_CHOICES:
        log.warning("unknown cpu_precision setting %r; using auto", precision)
        choice = "auto"
    if choice != "auto":
        return choice == "bf16"
    return cpu_has_native_bf16()


def describe_device(device: str, bf16: bool = False) -> str:
    """A short human-readable description for status bars and `sagasu models list`."""
    import torch

    if device == "cuda" and torch.cuda.is_available():
        idx = torch.cuda.current_device()
        name = torch.cuda.get_device_name(idx)
        mem_gib = torch.cuda.get_device_properties(idx).total_memory / 2**30
        return f"GPU: {name} ({mem_gib:.0f} GiB, CUDA, fp16)"
    if device == "mps":
        return "GPU: Apple Metal (MPS)"
    return f"CPU ({torch.get_num_threads()} threads{', bf16' if bf16 else ''})"
