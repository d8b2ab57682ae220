"""``mmltr index``: load a catalogue into a new index version, show versions, swap the alias, update vectors.

Exit codes: 0 everything indexed; 3 the run finished but rows were rejected or failed (see the rejects file);
1 the run failed (nothing was made live); 2 usage errors. Errors are one message, never a traceback
(``-vv`` logs the traceback for bug reports).
"""

from __future__ import annotations

import click

from .cli_load import load
from .cli_manage import status, swap, synth, update_vectors_cmd


@click.group("index")
def index() -> None:
    """Build the product index: catalogue -> BM25 fields + text/image/CF vectors -> versioned index."""


for _command in (load, status, swap, update_vectors_cmd, synth):
    index.add_command(_command)
