"""The HTTP service behind ``regulint serve``: everything that answers HTTP, and its history.

Owns the FastAPI app (:mod:`.app`) and its settings, the routes (``routes/``) and the
dependencies they take from ``app.state`` (:mod:`.deps`), the use cases a route calls
(:mod:`.usecases`: evaluate and store), the history database (:mod:`.db`, its schema migrations in
:mod:`.migrate` and ``migrations/``), re-evaluation jobs, idempotency keys, request limits, RFC 9457
problems, the catalog endpoints' index, the uvicorn runner (:mod:`.server`) and the no-build
dashboard (``static/``, data).

May import ``engine`` (any layer) and :mod:`api.processes` (the one helper it shares with the
CLI: children that end with their parent). Never imports ``api.cli``; the CLI imports this
package for ``serve`` and ``db upgrade`` (``tests/test_architecture.py`` checks both).
"""
