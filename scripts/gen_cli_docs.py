"""Write docs/cli.md from the click commands (``plugin_integration.cli_reference``).

Usage: .venv/bin/python scripts/gen_cli_docs.py [--check]
``--check`` writes nothing and exits 1 when docs/cli.md is stale (tests/test_docs_cli_reference.py does the same).
"""
from __future__ import annotations

import sys
from pathlib import Path

from plugin_integration.cli import main
from plugin_integration.cli_reference import render

TARGET = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def run(argv: list[str]) -> int:
    text = render(main)
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale: run .venv/bin/python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET} ({text.count(chr(10)):,} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
