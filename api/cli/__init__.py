"""The ``regulint`` command line (Typer): one module per command group.

Owns ``main`` (the application and its entry point), ``check`` with ``batch`` (the workers that
evaluate, triage and render each file) and ``outcome`` (the parts joined, the exit code's facts),
``config`` (``.regulint.yaml`` / ``[tool.regulint]``), ``rules``, ``lint``, ``schema`` (and
``facts``), ``fix``, ``fides`` (``import fides``), ``serve`` (and ``db``), and ``common`` (what
several commands share).

May import ``engine`` (any layer) and ``api.processes``; only ``serve`` imports the HTTP service.
Nothing in the package imports this ``__init__`` back: commands take what they share from ``common``.
"""

from api.cli.main import app, main

__all__ = ["app", "main"]
