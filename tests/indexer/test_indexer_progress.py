"""Progress of ``index load``: totals from the catalogue, and a rate that is the stage's real average."""
from __future__ import annotations

import gzip
import io

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import Progress

from indexer.cli_render import RateColumn, load_progress
from indexer.readers import count_rows


def test_count_rows_of_each_format(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": 1}\n\n{"id": 2}\n{"id": 3}\n', encoding="utf-8")
    with gzip.open(tmp_path / "b.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write("".join(f'{{"id": {i}}}\n' for i in range(250)))
    pq.write_table(pa.table({"id": list(range(40))}), tmp_path / "c.parquet")
    (tmp_path / "d.csv").write_text('id,title\n1,"two\nlines"\n', encoding="utf-8")
    assert count_rows(tmp_path / "a.jsonl") == 3          # blank lines are not rows
    assert count_rows(tmp_path / "b.jsonl.gz") == 250
    assert count_rows(tmp_path / "c.parquet") == 40
    assert count_rows(tmp_path / "d.csv") is None          # a quoted cell may hold a newline: no cheap count
    assert count_rows(tmp_path / "missing.jsonl") is None


def test_rate_is_the_average_since_the_stage_started():
    progress = Progress()
    task_id = progress.add_task("index", total=1000)
    task = progress.tasks[0]
    task.start_time = progress.get_time() - 10.0           # the stage started 10 s ago
    progress.update(task_id, completed=500)                  # then 500 documents arrive at once
    assert RateColumn().render(task).plain == "50/s"         # rich's own speed would show thousands per second


def test_bars_show_done_over_total():
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=False)
    with load_progress(console, enabled=True, total=1234) as progress:
        progress("read", 1234)
        progress("indexed", 600)
    text = out.getvalue()
    assert "1,234/1,234" in text and "600/1,234" in text
