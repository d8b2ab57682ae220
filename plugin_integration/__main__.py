"""``python -m plugin_integration`` runs the ``mmltr`` CLI."""
from .cli import main

main()
