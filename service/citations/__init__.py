"""The citation stage: the pipeline's glue over retrieval.citations (find, resolve, judge)."""
