"""Evaluation, for benchmarks, tests and ``sagasu eval``; the runtime (indexing, search) never
imports this package.

- ranking: Recall@K, MRR, mAP, nDCG over ranked lists of ids
- records: labelled query-set CSVs, per-query records, configurations and results
- run: evaluation runs against a library (run_eval, run_configs, timed_search)
- report: the HTML report
- similarity: fixed and learned similarity metrics (torch)
- aligners: ridge and neural aligners compared with the runtime's Procrustes bridge (torch)
- training: torch helpers shared by the learned metrics and aligners

Submodules are imported explicitly, so importing the package loads nothing heavy.
"""
