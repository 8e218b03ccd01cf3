"""Indexing: crawl the folders, plan what changed, extract on worker threads, encode, and
commit each file in one transaction (indexer.py); the pipeline's queue and work items
(work.py) and its consuming side (consumer.py); reading text off stored pages and photos
without a text layer after a run (ocr_pass.py)."""
