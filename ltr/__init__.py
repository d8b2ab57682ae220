"""mmltr's pure learning-to-rank core: click logs, click models, judgments, profiles, training input.

Nothing in this package opens a connection or imports another mmltr package: every function maps inputs to
outputs, so it is tested without a cluster and composed by the CLI (``ltr.cli``), the only module here that
talks to one.
"""
from __future__ import annotations
