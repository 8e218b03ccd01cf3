"""The errors the model code raises, each with a message meant to be shown to the user as is."""

from __future__ import annotations

import pickle
import re

from engine.errors import SagasuError


class ModelError(SagasuError):
    """Base class: every message is meant to be shown to the user as is."""


class WeightsMissing(ModelError):
    """No local weights for the requested model; the message says how to get them."""


class ModelLoadError(ModelError):
    """Weights exist but cannot be used (corrupt, truncated, wrong model, unsafe pickle)."""


class DownloadError(ModelError):
    """A fetch failed; nothing partial is left behind."""


# torch's refusal of a pickle with code in it goes on to explain how to load it anyway; that
# advice must never reach a user who was handed a hostile file.
_UNSAFE_ADVICE = (
    "weights_only",
    "safe_globals",
    "allowlist",
    "trust",
    "can still be loaded",
    "arbitrary code",
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_UNSUPPORTED_GLOBAL = re.compile(r"Unsupported global: GLOBAL ([\w.]+)")


def describe_exception(exc: BaseException) -> str:
    """A short, safe description of a library's exception: its type and first sentences.

    Sentences that tell the user how to bypass the refusal of an unsafe file are left out; a
    refused pickle is described in Sagasu's own words.
    """
    text = _ANSI.sub("", str(exc))
    if isinstance(exc, pickle.UnpicklingError):
        reason = "it holds Python objects besides tensors, and loading them could run code"
        found = _UNSUPPORTED_GLOBAL.search(text)
        return f"{reason}: it refers to {found.group(1)}" if found else reason
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    kept = [s for s in sentences if not any(m in s.lower() for m in _UNSAFE_ADVICE)]
    detail = " ".join(kept)[:200]
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
