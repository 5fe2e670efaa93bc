"""Veracity's checking pipeline and its gRPC server."""

__version__ = "0.1.0"
