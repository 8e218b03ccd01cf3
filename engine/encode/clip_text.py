"""CLIP text tower over the real token length instead of the padded context.

open_clip pads every text to the context length (77 tokens) and runs the full transformer, but
a typed query is 5–15 tokens. In the standard CLIP text tower attention is causal and the
embedding is read at the end-of-text token, so positions after the longest text in a batch
cannot influence the result: running the transformer over ``tokens[:, :L]`` (with the
positional embedding and causal mask cut to ``L``) gives the same vectors several times faster
(docs/BENCHMARKS.md, query latency).

Only towers whose structure makes that exact take this path; anything else (non-causal towers
such as SigLIP's, Hugging Face towers, CoCa's appended class token, first/last-token pooling)
runs open_clip's own ``encode_text`` unchanged.
"""

from __future__ import annotations

from typing import Any

import torch


def _is_causal(mask: Any) -> bool:
    """An additive (n, n) mask that blocks exactly the future positions."""
    if not isinstance(mask, torch.Tensor) or mask.ndim != 2 or mask.shape[0] != mask.shape[1]:
        return False
    n = mask.shape[0]
    future = torch.triu(torch.ones(n, n, dtype=torch.bool, device=mask.device), diagonal=1)
    return bool(torch.equal(torch.isneginf(mask), future))


def _pool_index(tokens: torch.Tensor, pool: str, eos_id: int | None) -> torch.Tensor:
    """Where the tower reads the text embedding (open_clip's ``text_global_pool``)."""
    if pool == "argmax" or eos_id is None:
        return tokens.argmax(dim=-1)
    return (tokens == eos_id).int().argmax(dim=-1)


def _plain_clip(model: Any) -> bool:
    """open_clip ``CLIP``: the text tower's parts live on the model itself."""
    return (
        hasattr(model, "token_embedding")
        and hasattr(model, "positional_embedding")
        and getattr(model, "text_pool_type", None) in ("argmax", "eos")
        and _is_causal(getattr(model, "attn_mask", None))
    )


def _custom_text(model: Any) -> bool:
    """``CustomTextCLIP`` with a ``TextTransformer``, which already slices its positional
    embedding and mask to the input length."""
    tower = getattr(model, "text", None)
    return (
        tower is not None
        and hasattr(tower, "token_embedding")
        and getattr(tower, "cls_emb", None) is None
        and getattr(tower, "pool_type", None) in ("argmax", "eos")
        and _is_causal(getattr(tower, "attn_mask", None))
    )


def trimming_kind(model: Any) -> str | None:
    """ "clip", "custom" or None (no exact trimming possible for this model)."""
    if _plain_clip(model):
        return "clip"
    if _custom_text(model):
        return "custom"
    return None


def encode_text(model: Any, tokens: torch.Tensor, kind: str | None) -> torch.Tensor:
    """Unnormalised text features, equal to ``model.encode_text(tokens)``."""
    features: torch.Tensor = _text_features(model, tokens, kind)
    return features


def _text_features(model: Any, tokens: torch.Tensor, kind: str | None) -> Any:
    if kind is None:
        return model.encode_text(tokens)
    owner = model if kind == "clip" else model.text
    pool = owner.text_pool_type if kind == "clip" else owner.pool_type
    eos_id = getattr(owner, "text_eos_id" if kind == "clip" else "eos_id", None)
    pool_at = _pool_index(tokens, pool, eos_id)
    length = int(pool_at.max().item()) + 1
    if length >= tokens.shape[1]:
        return model.encode_text(tokens)
    if kind == "custom":
        return model.encode_text(tokens[:, :length])
    return _clip_text_forward(model, tokens[:, :length], pool_at)


def _clip_text_forward(model: Any, tokens: torch.Tensor, pool_at: torch.Tensor) -> Any:
    """``CLIP.encode_text`` with the positional embedding and causal mask cut to the input."""
    length = tokens.shape[1]
    cast_dtype = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast_dtype)
    x = x + model.positional_embedding[:length].to(cast_dtype)
    x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
    x = model.ln_final(x)
    x = x[torch.arange(x.shape[0], device=x.device), pool_at]
    projection = model.text_projection
    if projection is None:
        return x
    if isinstance(projection, torch.nn.Linear):
        return projection(x)
    return x @ projection
