"""Global options after the subcommand, and the "data dir in use" message naming the real server URL
(the embedded node, through the CLI; the second process is a real one)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from plugin_integration.cli import hoist_global_options, main
from plugin_integration.client import serve_embedded_node

ROOT = Path(__file__).resolve().parents[3]


def test_global_options_move_before_the_subcommand_wherever_they_are_written():
    assert hoist_global_options(["index", "load", "c.jsonl", "--data-dir", "D"]) == [
        "--data-dir", "D", "index", "load", "c.jsonl"]
    assert hoist_global_options(["-v", "search", "q", "--cluster=http://h:9200", "--model", "m"]) == [
        "-v", "--cluster=http://h:9200", "search", "q", "--model", "m"]
    assert hoist_global_options(["--data-dir", "A", "serve", "--port", "0"]) == ["--data-dir", "A", "serve",
                                                                                 "--port", "0"]
    # after "--" nothing is an option
    assert hoist_global_options(["evaluate", "--", "--data-dir", "x"]) == ["evaluate", "--", "--data-dir", "x"]


def test_data_dir_after_the_subcommand_is_the_one_used(tmp_path):
    data_dir = tmp_path / "after"
    result = CliRunner().invoke(main, ["index", "status", "--data-dir", str(data_dir)])
    assert "No such option" not in result.output
    assert (data_dir / "node.sqlite").is_file()  # the node opened there, not in ./.mmltr


def test_a_served_data_dir_names_the_real_url(tmp_path):
    node, server = serve_embedded_node(tmp_path, "127.0.0.1", 0, False)
    port = server.server_address[1]
    try:
        done = subprocess.run([sys.executable, "-m", "plugin_integration", "index", "status", "--data-dir",
                               str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        server.server_close()
        node.close()
    out = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in out
    assert f"in use by mmltr serve at http://127.0.0.1:{port}" in out
    assert f"--cluster http://127.0.0.1:{port}" in out and ":9200" not in out.replace(f":{port}", "")


def test_tables_fit_80_columns(tmp_path):
    catalog = tmp_path / "c.jsonl"
    catalog.write_text("".join(
        f'{{"id": "{i}", "title": "Product {i} with a rather long title", "brand": "B{i % 3}", "price": {i}.5}}\n'
        for i in range(12)), encoding="utf-8")
    runner, data_dir = CliRunner(env={"COLUMNS": "80"}), str(tmp_path / "node")
    steps = [["index", "load", str(catalog), "--text-encoder", "hashing:16", "--no-progress"],
             ["store", "init"], ["featureset", "init", "-o", str(tmp_path / "fs.yaml")],
             ["featureset", "push", str(tmp_path / "fs.yaml")]]
    for step in steps:
        assert runner.invoke(main, ["--data-dir", data_dir, *step]).exit_code == 0, step
    for command in (["index", "status"], ["featureset", "show", "items_fused"]):
        result = runner.invoke(main, ["--data-dir", data_dir, *command])
        assert result.exit_code == 0, result.output
        widths = [len(line) for line in result.output.splitlines()]
        assert max(widths) <= 80, (command, result.output)
    shown = runner.invoke(main, ["--data-dir", data_dir, "featureset", "show", "items_fused"]).output
    assert '{"match":{"title":"{{keywords}}"}}' in shown.replace("\n", "").replace("│", "").replace(" ", "") \
        or '"title":"{{keyword' in shown
    assert "constant_score" not in shown  # the wrapper is not shown


def test_help_lists_the_workflow_in_order_each_naming_the_next_step():
    from plugin_integration.cli import WORKFLOW

    out = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["--help"]).output
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.startswith("  ")
              and not line.startswith("   ")]
    assert listed == [name for name, _ in WORKFLOW] == ["demo", "index", "clicks", "clickmodel", "judgments",
                                                        "profiles", "store", "featureset", "features", "train",
                                                        "model", "search", "evaluate", "inspect", "dashboards",
                                                        "serve"]
    assert out.count("Next: ") == len(WORKFLOW)
    assert "Next step: mmltr model upload model/." in CliRunner().invoke(main, ["train", "--help"]).output
