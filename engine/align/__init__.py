"""Embedding-space geometry, similarity metrics, aligners between encoders and
modality calibration.

Submodules are imported explicitly (``from engine.align.geometry import ...``) so that the
numpy-only geometry code does not pull in torch.
"""
