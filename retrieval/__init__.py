"""Reference corpus, embeddings, evidence search and citation resolution for Veracity."""
