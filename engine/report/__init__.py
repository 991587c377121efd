"""The report model and one emitter module per output format."""
