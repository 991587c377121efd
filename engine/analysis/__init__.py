"""Checks of rulesets: lint, examples, static (z3) checks."""
