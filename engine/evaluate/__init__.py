"""Evaluation: products against rulesets into reports."""
