"""Reports: the self-contained HTML report, drift between two runs, charts, terminal tables."""
