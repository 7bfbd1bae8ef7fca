"""``python -m arrkestra``: the same as the ``arrkestra`` command."""

from arrkestra.cli import main

main()
