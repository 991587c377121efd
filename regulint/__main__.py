"""``python -m regulint …``: the same command line as the ``regulint`` script."""

from api.cli import main

if __name__ == "__main__":
    main()
