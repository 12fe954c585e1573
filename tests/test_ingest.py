"""Ingest from files into the store: folders, bad files, idempotence, a kill mid-run, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from geodata.articles import doc_id_for
from geodata.cli import main
from geodata.ingest import ingest_paths
from geodata.store import EventStore, open_store

ROOT = Path(__file__).resolve().parents[1]
BRIEF = "Curfew in Esmeraldas\nPublished: 2026-02-11\nSource: https://example.org/e\n\nThe governor imposed a night curfew in Esmeraldas on Tuesday after clashes between soldiers and gunmen killed four people.\n"


def _env(gazetteer_path, store):
    return {"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path), "EVENTMAP_STORE": str(store)}


def test_ingest_paths_reports_bad_files_and_is_idempotent(tmp_path, settings):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(BRIEF)
    (folder / "empty.md").write_text("")
    (folder / "binary.html").write_bytes(b"\x00\x01\x02 not html")
    errors = []
    report = ingest_paths([folder], settings.store_dir, settings=settings, on_error=errors.append)
    assert report.files == 3 and len(report.added_docs) == 1 and len(report.errors) == 2 == len(errors)
    assert report.added_rows > 0
    events = EventStore(settings.store_dir).events()
    assert {"decree", "armed_clash"} <= set(events["subtype"])
    assert set(events.loc[events["place_role"] == "event", "place_name"]) == {"Esmeraldas"}
    again = ingest_paths([folder], settings.store_dir, settings=settings)
    assert again.added_docs == [] and len(again.skipped_docs) == 1 and again.added_rows == 0
    assert len(EventStore(settings.store_dir).reports()) == report.added_rows


def test_ingest_kill_mid_run_leaves_a_readable_store_and_the_next_run_completes(tmp_path, gazetteer_path):
    from geodata.synthetic import synthetic_article_texts

    folder = tmp_path / "many"
    folder.mkdir()
    for name, text in synthetic_article_texts(240, seed=3):
        (folder / name).write_text(text)
    store = tmp_path / "store"
    env = {**os.environ, **_env(gazetteer_path, store)}
    command = [sys.executable, "-m", "geodata.cli", "ingest", str(folder), "--batch-size", "4"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (store / "manifest.json").exists():
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = EventStore(store)
    stored = partial.doc_ids()
    assert 0 < len(stored) < 240, "kill it while it is still writing batches"
    assert len(partial.reports()) > 0
    finished = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert finished.returncode == 0, finished.stderr
    complete = EventStore(store)
    assert len(complete.doc_ids()) == 240
    assert complete.articles()["doc_id"].is_unique


def test_cli_ingest_events_round_trip(tmp_path, gazetteer_path):
    store = tmp_path / "store"
    (tmp_path / "a.txt").write_text(BRIEF)
    runner = CliRunner()
    result = runner.invoke(
        main, ["ingest", str(tmp_path / "a.txt"), str(tmp_path / "missing.txt")], env=_env(gazetteer_path, store)
    )
    assert result.exit_code == 1
    assert "missing.txt': no such file or folder" in result.output
    assert "1 new article" in result.output
    out = tmp_path / "events.geojson"
    exported = runner.invoke(
        main,
        ["events", "--format", "geojson", "-o", str(out), "--category", "political"],
        env=_env(gazetteer_path, store),
    )
    assert exported.exit_code == 0, exported.output
    frame = gpd.read_file(out)
    assert set(frame["category"]) == {"political"} and frame.crs.to_epsg() == 4326
    csv = runner.invoke(
        main, ["events", "--format", "csv", "--since", "2026-02", "--country", "EC"], env=_env(gazetteer_path, store)
    )
    assert csv.exit_code == 0 and csv.output.startswith("event_id,doc_id,title")
    bad = runner.invoke(main, ["events", "--since", "soon"], env=_env(gazetteer_path, store))
    assert bad.exit_code == 2 and "not a date" in bad.output
    none = runner.invoke(main, ["events"], env=_env(gazetteer_path, tmp_path / "nothing"))
    assert none.exit_code == 1 and "no event store" in none.output


def test_cli_ingest_published_override_is_validated(tmp_path, gazetteer_path):
    (tmp_path / "a.txt").write_text(BRIEF)
    result = CliRunner().invoke(
        main, ["ingest", str(tmp_path / "a.txt"), "--published", "someday"], env=_env(gazetteer_path, tmp_path / "s")
    )
    assert result.exit_code == 2 and "not a date" in result.output


def test_cli_extract_writes_the_benchmark_format(tmp_path, gazetteer_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "x1", "text": BRIEF.split("\n\n", 1)[1], "date": "2026-02-11"}) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main, ["extract", "--jsonl", str(source), "-o", str(out)], env=_env(gazetteer_path, tmp_path / "s")
    )
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())
    assert record["id"] == "x1"
    fields = {
        "category",
        "subtype",
        "confidence",
        "date",
        "sentence",
        "place_text",
        "place_name",
        "place_id",
        "place_kind",
        "place_role",
        "country_code",
        "admin1",
        "lat",
        "lon",
        "geo_precision",
    }
    fields |= {"status", "acled_sub_event_type", "cameo_code", "sentence_start", "sentence_end", "evidence"}
    assert record["events"] and set(record["events"][0]) == fields  # DESIGN.md's fields, then the v2 ones
    assert all(e["status"] in ("reported", "planned") for e in record["events"])  # what maps draw
    confidences = [e["confidence"] for e in record["events"]]
    assert confidences == sorted(confidences, reverse=True)
    assert any(e["date"] == "2026-02-10" for e in record["events"])


@pytest.mark.skipif(not (ROOT / "examples").exists(), reason="no demo corpus")
def test_demo_corpus_ingests_cleanly(tmp_path, settings):
    report = ingest_paths([ROOT / "examples"], settings.store_dir, settings=settings)
    assert report.files >= 30 and not report.errors
    events = EventStore(settings.store_dir).events()
    assert set(events["category"]) == {"military", "political", "economic"}
    assert events["country_code"].nunique() >= 12


def test_ingest_a_very_long_article_is_processed_with_offsets_right(tmp_path, settings):
    # Over spaCy's 1,000,000-character limit and under max_article_bytes: processed whole, never fatal.
    filler = "The weather stayed mild and the market was quiet that afternoon. " * 20_000
    event = "Soldiers clashed with gunmen in Tumaco on Tuesday, killing four people."
    text = "Long report\nPublished: 2026-02-11\n\n" + filler + event + "\n" + filler
    assert 1_000_000 < len(text) < settings.max_article_bytes
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(text, encoding="utf-8")
    for i in range(3):
        (folder / f"good-{i}.txt").write_text(BRIEF.replace("Esmeraldas", ["Manta", "Quito", "Tumaco"][i]))
    report = ingest_paths([folder], settings.store_dir, settings=settings)
    assert report.errors == [] and len(report.added_docs) == 4
    store = EventStore(settings.store_dir)
    article = next(a for _, a in store.articles().iterrows() if a["title"] == "Long report")
    # As the long article reported it: the brief from Tumaco tells of the same clash and merges with it.
    events = store.reports()
    clash = events[(events["doc_id"] == article["doc_id"]) & (events["place_role"] == "event")]
    assert list(clash["place_name"]) == ["Tumaco"]
    row = clash.iloc[0]
    assert article["text"][int(row["place_start"]) : int(row["place_end"])] == "Tumaco"  # offsets into the whole text
    assert article["text"][int(row["sentence_start"]) : int(row["sentence_end"])] == event == row["sentence"]
    assert row["date"] == "2026-02-10"


def _write_corpus(folder, n, seed):
    from geodata.synthetic import synthetic_article_texts

    folder.mkdir()
    for name, text in synthetic_article_texts(n, seed=seed):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


_UPLOADER = """
import sys
from pathlib import Path
from dashboard import storeio
from geodata.articles import read_articles
from geodata.config import load_settings
from geodata.store import open_store
store = open_store(sys.argv[1])
for path in sys.argv[2:]:
    # the dashboard's upload path (dashboard.jobs hands the articles it read to storeio.ingest)
    report = storeio.ingest(list(read_articles([Path(path)])), store, load_settings())
    print(len(report.added_docs), "new", flush=True)
"""


@pytest.mark.slow
def test_ingest_two_writers_an_upload_and_a_kill_store_every_article_once(tmp_path, gazetteer_path, settings):
    corpora = [_write_corpus(tmp_path / f"corpus-{n}", 48, seed=40 + n) for n in range(3)]
    uploads = sorted(_write_corpus(tmp_path / "uploads", 6, seed=50).iterdir())
    store_path = tmp_path / "store"
    env = {**os.environ, **_env(gazetteer_path, store_path)}

    def ingest(folder):
        command = [sys.executable, "-m", "geodata.cli", "ingest", str(folder), "--batch-size", "4"]
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)

    writers = [ingest(corpora[0]), ingest(corpora[1])]
    victim = ingest(corpora[2])
    uploader = subprocess.Popen(
        [sys.executable, "-c", _UPLOADER, str(store_path), *map(str, uploads)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    victim_docs = {doc_id_for(p.read_text()) for p in corpora[2].iterdir()}
    reader = open_store(store_path)
    reads = 0
    while any(p.poll() is None for p in [*writers, uploader]) or victim.poll() is None:
        if victim.poll() is None and reader.has(victim_docs):
            victim.send_signal(signal.SIGKILL)  # kill -9 a writer that has committed part of its corpus
        reader.events()  # a reader never fails, whatever the writers are doing
        reads += 1
    outputs = [p.communicate() for p in [*writers, uploader]]
    assert all(p.returncode == 0 for p in [*writers, uploader]), outputs
    assert victim.returncode == -signal.SIGKILL
    assert 0 < len(open_store(store_path).has(victim_docs)) < len(victim_docs), "killed mid-run"
    rerun = ingest(corpora[2])
    assert rerun.wait(timeout=600) == 0, rerun.communicate()
    store = open_store(store_path)
    articles = store.articles(columns=["doc_id"])
    assert articles["doc_id"].is_unique and len(articles) == 3 * 48 + 6
    reports = store.reports()
    assert not reports.duplicated(["event_id", "place_id", "place_role", "place_start"]).any()
    sequential = ingest_paths([*corpora, *uploads], tmp_path / "sequential", settings=settings)
    assert len(sequential.added_docs) == len(articles)
    expected = open_store(tmp_path / "sequential")
    assert sorted(map(tuple, reports[["event_id", "place_id", "place_role"]].to_numpy())) == sorted(
        map(tuple, expected.reports()[["event_id", "place_id", "place_role"]].to_numpy())
    )
    merged, merged_expected = store.events(), expected.events()
    assert sorted(zip(merged["event_id"], merged["place_id"], merged["n_sources"], strict=True)) == sorted(
        zip(merged_expected["event_id"], merged_expected["place_id"], merged_expected["n_sources"], strict=True)
    )
    assert not merged.duplicated(["event_id", "place_id", "place_role", "place_start"]).any()
    assert reads > 0


def test_ingest_commits_every_batch_size_articles_while_the_pipeline_works_in_chunks(tmp_path, settings):
    from geodata.articles import read_articles

    folder = _write_corpus(tmp_path / "corpus", 40, seed=45)
    articles = [a for a in read_articles([folder]) if not isinstance(a, Exception)]
    seen = []
    report = ingest_paths(
        [folder], settings.store_dir, settings=settings, batch_size=24, progress=lambda done, total: seen.append(done)
    )
    assert len(report.commit_seconds) == 2 and seen == [0, 32, 40]  # chunks of 16: commits after 32 and 40
    store = open_store(settings.store_dir)
    assert store.counts().articles == len(articles) == 40
    assert [p["docs"] for p in store.manifest()["parts"]] == [32, 8]


def test_store_keeps_every_field_the_pipeline_extracts(tmp_path, settings):
    from geodata.articles import read_articles
    from geodata.ingest import Ingestor

    (tmp_path / "a.txt").write_text(BRIEF)
    article = next(a for a in read_articles([tmp_path / "a.txt"]) if not isinstance(a, Exception))
    rows = Ingestor(settings).process([article])
    assert rows and any(r["figures"] for r in rows) and any(r["place_candidates"] for r in rows)
    ingest_paths([tmp_path / "a.txt"], settings.store_dir, settings=settings)
    stored = open_store(settings.store_dir).reports().set_index(["event_id", "place_id", "place_role"])
    for row in rows:
        back = stored.loc[(row["event_id"], row["place_id"], row["place_role"])]
        for column in ("figures", "place_candidates", "triggers", "actors", "evidence"):
            assert back[column] == row[column], f"{column} changed in the store; update geodata/store/schema.py"
