"""Batch work: answer files in and out, runs, progress, and the local, remote and Ray engines."""
