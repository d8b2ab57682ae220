"""``mmltr demo`` end to end on the tiny world (one run for the module, a temporary data directory): the four
rankers judged by the world's true relevance, the personal model ahead of bm25 and of the same model without
personal features, the HTML report with its plots, both models verified, and one query ranked differently for
two users."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from pi_cli_loop import run_cli


@dataclass
class DemoRun:
    data_dir: Path
    result: Result

    @property
    def report(self) -> Path:
        return self.data_dir / "demo" / "tiny" / "report"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    data_dir = tmp_path_factory.mktemp("demo") / "node"
    result = run_cli(data_dir, "demo", "--size", "tiny", "--no-progress")
    assert result.exit_code == 0, result.output
    yield DemoRun(data_dir, result)


def test_metrics_have_the_four_rankers_and_ltr_wins(demo: DemoRun) -> None:
    metrics = json.loads((demo.report / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["protocol"] == "retrieval" and metrics["queries"] > 100
    rankers = metrics["rankers"]
    assert set(rankers) == {"bm25", "hybrid", "ltr_nonpersonal", "ltr"}
    ndcg = {name: rankers[name]["ndcg@10"]["mean"] for name in rankers}
    assert ndcg["ltr"] > ndcg["bm25"]
    assert ndcg["ltr"] > ndcg["ltr_nonpersonal"]
    assert all(0 < v < 1 for v in ndcg.values())
    assert (demo.report / "per_query.csv").is_file()


def test_report_html_has_images(demo: DemoRun) -> None:
    html = (demo.report / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html


def test_both_models_verified(demo: DemoRun) -> None:
    out = demo.result.output
    assert out.count("verify OK") == 2 and "FAILED" not in out
    assert "[7/7] two users" in out and "ltr - bm25" in out


def test_two_users_see_different_top_lists(demo: DemoRun) -> None:
    out = demo.result.output.split("One query, two users:")[1]
    tables = re.split(r"\nuser u\d+: likes", out)[1:]
    assert len(tables) == 2
    firsts = [re.findall(r"^│ ([1-5]) │ ([^│]+)│", t, flags=re.MULTILINE) for t in tables]
    assert [len(f) for f in firsts] == [5, 5]
    assert [title.strip() for _, title in firsts[0]] != [title.strip() for _, title in firsts[1]]
