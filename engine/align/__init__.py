"""The align step of the pipeline, what the runtime uses after encoding and at search time:
per-space score calibration (calibration), the Procrustes text bridge (bridge) and its file
format (persist), embedding geometry (geometry), and the fitted state of a library that
search reads (state.AlignmentState).

Submodules are imported explicitly (``from engine.align.geometry import ...``). Nothing here
imports torch or engine.evaluation (where the learned metrics and aligners that benchmarks
compare live).
"""
