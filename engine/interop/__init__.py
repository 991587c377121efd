"""Importers from other tools' formats (Fides)."""
