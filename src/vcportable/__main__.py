"""``python -m vcportable`` runs the CLI."""

from vcportable.cli import main

main()
