"""regulint's distribution name as an importable package: ``python -m regulint`` and ``__version__``.

The code lives in ``engine`` (the library) and ``api`` (CLI, HTTP API, dashboard); this package only
gives the command line a module name that matches what users install.
"""

from importlib import metadata

try:
    __version__ = metadata.version("regulint")
except metadata.PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"
