"""The Textual app: a thin view over the engine."""
