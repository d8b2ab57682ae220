"""Shared pieces of the ``index`` commands: the default rejects path.

Exit codes, the rejects writer and the error translation are shared by every command group:
:mod:`plugin_integration.cli_support`.
"""

from __future__ import annotations

import time
from pathlib import Path


def default_rejects_path(data_dir: Path, alias: str, given: Path | None) -> Path:
    return given or Path(data_dir) / "rejects" / f"{alias}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
