"""`python -m fractafrag …` is the `fractafrag` command."""

from fractafrag.cli import main

main()
