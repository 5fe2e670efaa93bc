"""Training of the shipped verifier model; not imported by the service."""
