"""Choosing the torch device the encoders run on.

The choice is made from what torch reports at run time, never from settings alone: a laptop
that had a GPU when the settings were written may not have it now, and indexing must still run.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


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


def describe_device(device: str) -> str:
    """A short human-readable description for status bars and `sagasu models list`."""
    import torch

    if device == "cuda" and torch.cuda.is_available():
        idx = torch.cuda.current_device()
        name = torch.cuda.get_device_name(idx)
        mem_gib = torch.cuda.get_device_properties(idx).total_memory / 2**30
        return f"GPU: {name} ({mem_gib:.0f} GiB, CUDA, fp16)"
    if device == "mps":
        return "GPU: Apple Metal (MPS)"
    return f"CPU ({torch.get_num_threads()} threads)"
