"""Runners: the local, forked and Dask engines give the same stored events."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from geodata.cli import main
from geodata.errors import ConfigurationError
from geodata.ingest import ingest_paths
from geodata.runners import RUNNERS, make_runner
from geodata.store import open_store
from geodata.synthetic import synthetic_article_texts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    for name, text in synthetic_article_texts(40, seed=31):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _stored(path):
    store = open_store(path)
    reports = store.reports().sort_values(["event_id", "place_id", "place_role"]).reset_index(drop=True)
    articles = store.articles().drop(columns="ingested_at").sort_values("doc_id").reset_index(drop=True)
    return reports, articles, store.events()


def test_make_runner_knows_every_engine():
    assert set(RUNNERS) == {"local", "processes", "dask"}
    with pytest.raises(ConfigurationError, match="unknown engine"):
        make_runner("threads")


@pytest.mark.slow
def test_engines_store_identical_events(tmp_path, corpus, settings, gazetteer_path):
    local = ingest_paths([corpus], tmp_path / "local", settings=settings, batch_size=4)
    forked = ingest_paths([corpus], tmp_path / "forked", settings=settings, batch_size=4, n_process=2)
    env = {"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path), "EVENTMAP_STORE": str(tmp_path / "dask")}
    result = CliRunner().invoke(
        main, ["ingest", str(corpus), "--engine", "dask", "--workers", "2", "--batch-size", "4"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "40 new articles" in result.output
    assert len(local.added_docs) == len(forked.added_docs) == 40 and local.added_rows > 0
    expected_reports, expected_articles, expected_events = _stored(tmp_path / "local")
    for other in ("forked", "dask"):
        reports, articles, events = _stored(tmp_path / other)
        pd.testing.assert_frame_equal(reports.drop(columns="geometry"), expected_reports.drop(columns="geometry"))
        assert reports.geometry.equals(expected_reports.geometry)
        pd.testing.assert_frame_equal(articles, expected_articles)
        assert sorted(events["event_id"]) == sorted(expected_events["event_id"])


def test_cli_ingest_rejects_dask_options_for_another_engine(tmp_path, corpus, gazetteer_path):
    env = {"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path), "EVENTMAP_STORE": str(tmp_path / "s")}
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--engine", "local", "--workers", "2"], env=env)
    assert result.exit_code == 2 and "--engine dask" in result.output
