"""The dashboard app without a browser: map layers, layout, routes, callbacks, the serve command."""

from __future__ import annotations

import ast
import gzip
import inspect
import json
import socket
import textwrap

import pytest
from click.testing import CliRunner

from dashboard import callbacks, ids, map_layers


@pytest.fixture(scope="module")
def app(tmp_path_factory, gazetteer, gazetteer_path):
    from dashboard.app import create_app
    from geodata.config import load_settings
    from geodata.store import EventStore
    from geodata.synthetic import synthetic_events

    events = synthetic_events(120, seed=9, gazetteer=gazetteer)
    folder = tmp_path_factory.mktemp("app-store")
    EventStore(folder).add([{"doc_id": d} for d in events["doc_id"].unique()], events)
    settings = load_settings(store_dir=folder, gazetteer_path=gazetteer_path, online_tiles=False)
    return create_app(folder, settings, gazetteer=gazetteer, warm=False)


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def test_halo_radius_grows_with_vagueness():
    assert map_layers.halo_radius_m(2) < map_layers.halo_radius_m(3) < map_layers.halo_radius_m(4)


def test_online_tile_layers_offer_carto_only_with_a_key():
    assert [n for n, _, _ in map_layers.online_tile_layers()] == ["OpenStreetMap (online)"]
    layers = map_layers.online_tile_layers("k3y")
    assert layers[1][0].startswith("CARTO") and "k3y" in layers[1][1]


@pytest.mark.parametrize("online", [False, True])
def test_event_map_has_an_offline_base_layer_and_no_default_tiles(online):
    import dash_leaflet as dl

    component = map_layers.event_map(basemap_url="/b", labels_url="/l", online_tiles=online, credit="c")
    nodes = list(_walk(component))
    tiles = [n for n in nodes if isinstance(n, dl.TileLayer)]
    assert all(t.url.startswith("https://") and "{z}" in t.url for t in tiles)
    assert len(tiles) == (1 if online else 0)
    bases = [n for n in nodes if isinstance(n, dl.BaseLayer)]
    assert bases[0].checked is True and not any(b.checked for b in bases[1:])
    layers = {n.id: n for n in nodes if isinstance(n, dl.GeoJSON) and getattr(n, "id", None)}
    assert layers[ids.POINTS].cluster is True and layers[ids.AREAS].data == map_layers.SENTINEL


def test_legend_names_every_category_and_precision():
    text = json.dumps(map_layers.legend().to_plotly_json(), default=str)
    for label in ("Military", "Political", "Economic", "exact place", "dashed area"):
        assert label in text


def test_routes_serve_gzipped_payloads(app):
    from dashboard.payload import decode_binary

    client = app.server.test_client()
    layout = json.dumps(client.get("/_dash-layout").get_json())
    generation = layout.split("?g=")[1].split('"')[0]
    for name in ("events.bin", "text.bin", "shapes.json"):
        response = client.get(f"/eventmap-api/{name}?g={generation}", headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
        assert "max-age=3600" in response.headers["Cache-Control"]
        raw = gzip.decompress(response.data)
        body = decode_binary(raw) if name.endswith(".bin") else json.loads(raw)
        assert body.get("generation", generation) == generation or body["type"] == "FeatureCollection"
    plain = client.get("/eventmap-api/events.bin")
    assert "Content-Encoding" not in plain.headers and decode_binary(plain.data)["n"] > 0
    assert plain.headers["Cache-Control"] == "no-cache"
    basemap = json.loads(
        gzip.decompress(client.get("/eventmap-api/basemap.json", headers={"Accept-Encoding": "gzip"}).data)
    )
    assert len(basemap["features"]) > 100


def test_upload_route_refuses_a_large_file_without_reading_it(app):
    class Body:
        """A request body that fails the test if the server reads it."""

        read_bytes = 0
        size = 0
        at = 0

        def tell(self):
            return self.at

        def seek(self, offset, whence=0):
            self.at = self.size if whence == 2 else offset
            return self.at

        def read(self, n=-1):
            Body.read_bytes += max(n, 0)
            raise AssertionError("the server read a body it should have refused by its Content-Length")

    client = app.server.test_client()
    limit = app.server.config.get("EVENTMAP_MAX_UPLOAD_BYTES")
    body = Body()
    body.size = limit + 1
    big = client.post(
        "/eventmap-api/upload?name=huge.txt",
        input_stream=body,
        content_type="application/octet-stream",
        content_length=limit + 1,
    )
    assert big.status_code == 200 and "over the" in big.get_json()["line"] and Body.read_bytes == 0
    pdf = client.post("/eventmap-api/upload?name=scan.pdf", data=b"%PDF-1.4", content_type="application/octet-stream")
    assert "is a PDF" in pdf.get_json()["line"]
    ok = client.post("/eventmap-api/upload?name=a.txt", data=b"text", content_type="application/octet-stream")
    assert ok.get_json()["line"] is None and ok.get_json()["batch"]


def test_layout_has_no_cdn_and_every_id(app):
    client = app.server.test_client()
    index = client.get("/").data.decode()
    assert "cdn." not in index and "unpkg" not in index and "bootstrap" not in index
    layout = json.dumps(client.get("/_dash-layout").get_json())
    for name in (ids.MAP, ids.COUNTER, ids.CATEGORIES, ids.DATE_FROM, ids.UPLOAD, ids.EXPORT_GEOJSON, ids.CARD):
        assert f'"{name}"' in layout


def test_index_loads_our_assets_only(app):
    index = app.server.test_client().get("/").data.decode()
    assets = {part.split("?")[0] for part in index.split('"') if part.startswith("/assets/")}
    assert assets == {"/assets/core.js", "/assets/eventmap.css", "/assets/eventmap.js"}


def test_server_callbacks_are_thin():
    source = textwrap.dedent(inspect.getsource(callbacks.register_callbacks))
    tree = ast.parse(source)
    bodies = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name != "register_callbacks"
    ]
    assert {b.name for b in bodies} == {
        "mount_panels",
        "show_card",
        "correct",
        "remove",
        "search_articles",
        "export",
        "on_store_change",
    }
    for body in bodies:
        assert body.end_lineno - body.lineno <= 10, body.name


def test_serve_command_resolves_the_store(monkeypatch, tmp_path):
    from geodata.config import load_settings

    monkeypatch.setenv("EVENTMAP_STORE", str(tmp_path / "env"))
    assert load_settings(store_dir=tmp_path / "opt").store_dir == tmp_path / "opt"
    assert load_settings(store_dir=None).store_dir == tmp_path / "env"
    monkeypatch.delenv("EVENTMAP_STORE")
    monkeypatch.setenv("EVENTMAP_STORE_DIR", str(tmp_path / "cfg"))
    assert load_settings(store_dir=None).store_dir == tmp_path / "cfg"


def test_serve_command_binds_loopback_by_default(monkeypatch, tmp_path, gazetteer_path):
    from dashboard import commands
    from geodata.cli import main

    calls = {}
    monkeypatch.setattr(commands, "_run_server", lambda app, listener: calls.update(address=listener.getsockname()))
    env = {"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "store"), "--port", str(port)], env=env)
    assert result.exit_code == 0, result.output
    assert calls == {"address": ("127.0.0.1", port)}
