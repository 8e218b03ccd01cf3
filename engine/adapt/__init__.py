"""Adaptation to the user's own confirmations (issue #17): fusion weights, per-signal
calibration and the learned aligner, each adopted only when held-out examples say it helps.

Import the modules themselves (engine.adapt.ranking, engine.adapt.fit, ...): this package
re-exports nothing, so the searcher can read the adopted ranking without the fitting code.
"""
