"""Edits to a product description and verified fix plans."""
