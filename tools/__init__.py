"""Developer tools: stub generation, demo-corpus build, the fake bibliographic API."""
