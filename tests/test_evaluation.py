"""The benchmark harness scores exactly like geobench/score.py and writes the DESIGN formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from geodata.cli import main
from geodata.evaluation import score_documents

GEOBENCH = Path(__file__).resolve().parents[2] / "shared" / "geobench"
needs_geobench = pytest.mark.skipif(
    not (GEOBENCH / "score.py").exists(), reason="../shared/geobench is not beside the repo"
)

GOLD = {
    "id": "d1",
    "text": "Quito and Lima.",
    "toponyms": [
        {"start": 0, "end": 5, "name": "Quito", "lat": -0.22, "lon": -78.51},
        {"start": 10, "end": 14, "name": "Lima", "lat": -12.04, "lon": -77.03},
        {"start": 10, "end": 14, "name": "Lima", "lat": None, "lon": None},
    ],
}
PRED = {
    "id": "d1",
    "toponyms": [
        {"start": 0, "end": 5, "name": "quito", "lat": -0.23, "lon": -78.52},
        {"start": 10, "end": 14, "name": "Lima", "lat": 40.74, "lon": -84.1},
        {"start": 6, "end": 9, "name": "and", "lat": 0.0, "lon": 0.0},
    ],
}


def test_score_documents_counts_and_distances():
    result = score_documents([(GOLD["toponyms"], PRED["toponyms"])])
    assert (result["tp"], result["fp"], result["fn"]) == (2, 1, 0)
    assert result["acc161"] == 0.5
    assert result["precision"] == pytest.approx(2 / 3)


@needs_geobench
def test_score_documents_matches_the_reference_scorer(tmp_path):
    gold, pred = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n")
    pred.write_text(json.dumps(PRED) + "\n")
    reference = json.loads(
        subprocess.run(
            [sys.executable, str(GEOBENCH / "score.py"), str(gold), str(pred)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    ours = score_documents([(GOLD["toponyms"], PRED["toponyms"])])
    for key in ("tp", "fp", "fn", "precision", "recall", "f1", "mean_km", "median_km", "acc161", "auc"):
        assert ours[key] == pytest.approx(reference[key]), key


@needs_geobench
def test_cli_geoparse_jsonl_writes_the_benchmark_format_and_eval_scores_it(tmp_path, gazetteer_path):
    lines = (GEOBENCH / "geowebnews.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    corpus = tmp_path / "small.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = {"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)}
    result = CliRunner().invoke(main, ["geoparse", "--jsonl", str(corpus), "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in lines}
    assert [r["id"] for r in records] == list(texts)
    for record in records:
        for t in record["toponyms"]:
            assert texts[record["id"]][t["start"] : t["end"]] == t["name"]
            assert {"lat", "lon", "place_id", "kind", "country_code", "score"} <= set(t)
    scored = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--json"], env=env)
    assert scored.exit_code == 0, scored.output
    metrics = json.loads(scored.output[scored.output.index("{") :])
    assert metrics["f1"] > 0.6 and metrics["acc161"] > 0.8 and metrics["docs_per_s"] > 0
    gold = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--gold-spans", "--json"], env=env)
    assert json.loads(gold.output[gold.output.index("{") :])["precision"] > 0.85


def test_cli_geoparse_bad_jsonl_is_one_clear_error(tmp_path, gazetteer_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "ok"}\nnot json\n')
    result = CliRunner().invoke(
        main,
        ["geoparse", "--jsonl", str(bad), "-o", str(tmp_path / "o.jsonl")],
        env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)},
    )
    assert result.exit_code == 2
    assert "bad.jsonl:2: not JSON" in result.output


def test_cli_geoparse_articles_lists_places_and_skips_bad_files(tmp_path, gazetteer_path):
    (tmp_path / "a.txt").write_text(
        "Floods in Piura\nPublished: 2026-01-05\n\nFloods cut roads around Piura and Tumbes on Monday.\n"
    )
    (tmp_path / "b.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["geoparse", str(tmp_path)], env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)})
    assert result.exit_code == 1
    assert "Piura" in result.output and "Tumbes" in result.output
    assert "b.txt': is empty" in result.output
