"""Citation finding and live verification: extraction, resolvers, matching, politeness, safety.

``service.citations.stage`` composes these pieces behind the pipeline's ``CitationChecker`` stage;
nothing here imports the service layer.
"""
