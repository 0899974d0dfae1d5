"""``python -m guanxi``: the same command line as the ``guanxi`` script."""

from guanxi.cli import main

main()
