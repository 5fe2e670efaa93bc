"""One resolver per bibliographic source; the shared HTTP/JSON/XML plumbing is in ``base``."""
