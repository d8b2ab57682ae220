"""The judgments, clickmodel and profiles commands through the root ``mmltr`` group: outputs, reports,
exit codes (0 clean, 3 rows rejected, 1 failed) and never a traceback."""
from __future__ import annotations

import csv

import pandas as pd
import pytest
from click.testing import CliRunner
from ltr_rows import T0, event, search

from ltr.profiles.store import read_profiles
from ltr.simulate import write_jsonl, write_ubi
from plugin_integration.cli import main


@pytest.fixture
def run(tmp_path):
    def invoke(*args: str):
        result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "node"), *args],
                                    catch_exceptions=True)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result
    return invoke


@pytest.fixture
def log_file(small_log, tmp_path):
    path = tmp_path / "log.jsonl"
    write_jsonl(small_log, str(path))
    return path


def test_judgments_from_clicks(run, log_file, tmp_path):
    out = tmp_path / "judgments.csv"
    result = run("judgments", "from-clicks", str(log_file), "-o", str(out), "--model", "dbn",
                 "--positions-out", str(tmp_path / "rows.parquet"))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert rows and set(rows[0]) == {"qid", "query", "doc_id", "grade"}
    assert {int(r["grade"]) for r in rows} <= set(range(5))
    positions = pd.read_parquet(tmp_path / "rows.parquet")
    assert {"search_id", "position", "grade"} <= set(positions.columns)
    assert "judgments (dbn" in result.output


def test_judgments_from_ubi_per_user(run, small_log, tmp_path):
    write_ubi(small_log, str(tmp_path / "ubi"))
    out = tmp_path / "j.csv"
    result = run("judgments", "from-clicks", str(tmp_path / "ubi"), "-o", str(out), "--per-user",
                 "--min-evidence", "2")
    assert result.exit_code == 0, result.output
    assert list(csv.DictReader(out.open()))[0]["user_id"].startswith("u")


def test_rejected_rows_exit_3_and_land_in_the_rejects_file(run, write_lines, tmp_path):
    rows = [search(f"s{i}", ["a", "b", "c"], t=T0 + i) for i in range(20)]
    rows += [event("click", f"s{i}", "a", 0, t=T0 + i + 1) for i in range(0, 20, 2)]
    rows += ["{broken", event("click", "ghost", "a", 0), event("click", "s1", "zz", 9)]
    out = tmp_path / "j.csv"
    result = run("judgments", "from-clicks", str(write_lines(rows)), "-o", str(out), "--min-evidence", "1")
    assert result.exit_code == 3, result.output
    rejects = (tmp_path / "j.csv.rejects.jsonl").read_text().splitlines()
    assert len(rejects) == 3
    assert "unknown_search" in result.output and "3 rows rejected" in result.output
    assert out.exists()


def test_empty_log_fails_with_a_message(run, write_lines, tmp_path):
    result = run("judgments", "from-clicks", str(write_lines([])), "-o", str(tmp_path / "j.csv"))
    assert result.exit_code == 1
    assert "no sessions with results" in result.output


def test_bad_options_fail_cleanly(run, log_file, tmp_path):
    result = run("judgments", "from-clicks", str(log_file), "-o", str(tmp_path / "j.csv"), "--thresholds",
                 "1,2")
    assert result.exit_code == 2 and "four" in result.output
    result = run("clickmodel", "compare", str(log_file), "--models", "sdbn,ubm")
    assert result.exit_code == 2 and "unknown model(s) ubm" in result.output
    result = run("judgments", "from-clicks", str(tmp_path / "nope.jsonl"), "-o", "x.csv")
    assert result.exit_code == 2


def test_clickmodel_compare_prints_a_perplexity_table(run, log_file):
    result = run("clickmodel", "compare", str(log_file), "--models", "ctr,sdbn,dbn")
    assert result.exit_code == 0, result.output
    assert "Perplexity per rank" in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("│ ")]
    names = [line.split("│")[1].strip() for line in lines]
    order = [name for name in names if name in ("ctr", "sdbn", "dbn")]
    assert order[-1] == "ctr"  # sorted best first; CTR is worst on cascade clicks


def test_judgments_import(run, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("qid,query,doc_id,rating\nq1,tv,d1,3\nq1,tv,d2,0\nq1,tv,d3,9\n")
    out = tmp_path / "j.csv"
    result = run("judgments", "import", str(labels), "-o", str(out), "--scale", "0", "3", "--column",
                 "rating=grade")
    assert result.exit_code == 3, result.output
    assert out.read_text().splitlines() == ["qid,query,doc_id,grade", "q1,tv,d1,4", "q1,tv,d2,0"]
    assert "outside the declared scale" in (tmp_path / "j.csv.rejects.jsonl").read_text()
    result = run("judgments", "import", str(labels), "-o", str(out))
    assert result.exit_code == 1 and "missing column(s) grade" in result.output
    result = run("judgments", "import", str(labels), "-o", str(out), "--grade-map", "oops")
    assert result.exit_code == 2 and "KEY=VALUE" in result.output


def test_profiles_build_without_cluster(run, log_file, small_log, tmp_path):
    catalog = tmp_path / "catalog.jsonl"
    small_log.catalog.drop(columns=["genre"]).assign(
        text_vector=lambda f: f["text_vector"].map(list), image_vector=lambda f: f["image_vector"].map(list)
    ).to_json(catalog, orient="records", lines=True)
    out = tmp_path / "profiles.parquet"
    result = run("profiles", "build", str(log_file), "-o", str(out), "--factors", "8", "--catalog",
                 str(catalog),
                 "--no-cluster", "--evaluate")
    assert result.exit_code == 0, result.output
    profiles = read_profiles(out)
    assert profiles.cf_vectors.shape[1] == 8 and profiles.text_taste.shape[1] == 16
    assert (tmp_path / "profiles.items.parquet").exists()
    assert "recall@10" in result.output and "anonymous_interactions" in result.output


def test_profiles_build_needs_known_users(run, write_lines, tmp_path):
    log = write_lines([search("s1", ["a"], user=None), event("click", "s1", "a", 0, user=None)])
    result = run("profiles", "build", str(log), "-o", str(tmp_path / "p.parquet"), "--no-cluster")
    assert result.exit_code == 1 and "no interactions of known users" in result.output


def test_clickmodel_compare_with_a_test_log_baselines_and_convergence(run, log_file, small_log, tmp_path):
    from ltr.simulate import ClickSimulation, simulate_clicks
    test_file = tmp_path / "test.jsonl"
    write_jsonl(simulate_clicks(ClickSimulation(n_searches=1_000, n_users=200, seed=3)), str(test_file))
    result = run("clickmodel", "compare", str(log_file), "--test", str(test_file), "--models", "pbm,dbn",
                 "--no-per-rank")
    assert result.exit_code == 0, result.output
    assert f"test 1,000: {test_file}" in result.output.replace("\n", "")
    names = [line.split("│")[1].strip() for line in result.output.splitlines() if line.startswith("│ ")]
    assert {"pbm", "dbn", "rank_ctr", "global_ctr"} <= set(names)
    assert names.index("global_ctr") > names.index("rank_ctr")
    capped = run("clickmodel", "compare", str(log_file), "--models", "pbm", "--max-iterations", "3",
                 "--no-baselines", "--no-per-rank")
    assert capped.exit_code == 0, capped.output
    assert "NOT converged" in capped.output and "rank_ctr" not in capped.output


def test_judgments_from_clicks_reports_convergence(run, log_file, tmp_path):
    result = run("judgments", "from-clicks", str(log_file), "-o", str(tmp_path / "j.csv"), "--model", "dbn")
    assert result.exit_code == 0, result.output
    assert "dbn: converged after" in result.output
    result = run("judgments", "from-clicks", str(log_file), "-o", str(tmp_path / "j.csv"), "--model", "pbm",
                 "--max-iterations", "2")
    assert result.exit_code == 0 and "pbm: NOT converged: stopped at the cap of 2" in result.output


def test_clickmodel_evaluate_prints_the_estimate_ci_and_unshown_share(run, log_file, small_log, tmp_path):
    import json

    from ltr.judgments import qid_for
    truth = small_log.truth()
    rows = ["qid,doc_id,score"] + [f"{qid_for(q)},{d},{r}" for q, d, r in
                                    zip(truth["query"], truth["doc_id"], truth["relevance"])]
    rows += [f"{qid_for(small_log.queries[0])},never-shown,99"]  # one unshown document on top of one query
    good = tmp_path / "good.csv"
    good.write_text("\n".join(rows) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("qid,doc_id,score\n" + "\n".join(f"{qid_for(q)},{d},{-r}" for q, d, r in
                                                     zip(truth["query"], truth["doc_id"], truth["relevance"])))
    out = tmp_path / "cf.json"
    result = run("clickmodel", "evaluate", str(log_file), "--run", str(good), "--run", str(bad), "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "Counterfactual estimate from clicks" in result.output and "unshown@10" in result.output
    assert "pbm propensities: converged after" in result.output
    report = json.loads(out.read_text())["rankers"]
    assert report["good"]["ndcg@10"]["mean"] > report["bad"]["ndcg@10"]["mean"] + 0.2
    assert report["good"]["ndcg@10"]["ci_low"] <= report["good"]["ndcg@10"]["mean"] <= report["good"]["ndcg@10"]["ci_high"]
    assert report["good"]["unshown@10"] == pytest.approx(0.1 / len(small_log.queries))
    assert report["bad"]["unshown@10"] == 0.0
    broken = tmp_path / "broken.csv"
    broken.write_text("qid,doc\nq,d\n")
    result = run("clickmodel", "evaluate", str(log_file), "--run", str(broken))
    assert result.exit_code == 2 and "lacks column(s) doc_id, score" in result.output
