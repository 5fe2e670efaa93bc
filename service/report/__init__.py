"""Reports on results files: one self-contained HTML page, and the drift between two runs."""
