"""geopy-contract geocoders: the offline Gazetteer and the guarded online backends."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderUnavailable
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geodata.config import load_settings
from geodata.errors import ConfigurationError, InvalidQueryError
from geodata.geocoding.gazetteer import Gazetteer, clean_query
from geodata.geocoding.online import OnlineGeocoder, get_geocoder


def test_gazetteer_is_a_geopy_geocoder_returning_locations_with_raw_rows(geocoder):
    assert isinstance(geocoder, Geocoder)
    location = geocoder.geocode("Manta")
    assert isinstance(location, Location)
    assert location.address == "Manta, Manabí, Ecuador"
    assert location.raw["place_id"] == "geonames:3654410"
    assert location.raw["kind"] == "city" and location.raw["score"] > 0


def test_gazetteer_geocode_many_is_ranked(geocoder):
    locations = geocoder.geocode("Santa Cruz", exactly_one=False, limit=5)
    assert len(locations) == 5
    scores = [loc.raw["score"] for loc in locations]
    assert scores == sorted(scores, reverse=True)


def test_gazetteer_geocode_returns_none_for_unknown_names(geocoder):
    assert geocoder.geocode("Atlantis Prime Station") is None


def test_gazetteer_country_codes_restrict_like_nominatim(geocoder):
    assert geocoder.geocode("Georgia", country_codes="us").raw["kind"] == "admin1"
    assert geocoder.geocode("Eastern Pacific", country_codes=["EC"]).raw["kind"] == "water"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("   \t ", "empty query"),
        ("x" * 10_000, "10,000 characters"),
        (None, "must be a string"),
        (42, "must be a string"),
        (["Quito"], "must be a string"),
    ],
)
def test_gazetteer_refuses_bad_queries_with_a_clear_error(geocoder, query, message):
    with pytest.raises(InvalidQueryError, match=message):
        geocoder.geocode(query)


def test_gazetteer_unknown_country_code_is_a_clear_error(geocoder):
    with pytest.raises(ValueError, match="unknown country code 'XX'"):
        geocoder.geocode("Paris", country_codes="XX")


def test_clean_query_removes_control_characters():
    assert clean_query("Qui\x00to\x1b") == "Qui to"
    assert clean_query("Quito\r\n") == "Quito"


def test_gazetteer_control_characters_do_not_break_lookup(geocoder):
    assert geocoder.geocode("Caracas\x07").raw["country_code"] == "VE"


def test_gazetteer_reverse_names_the_containing_areas(geocoder):
    areas = geocoder.reverse((1.21, -77.28), exactly_one=False)
    assert [a.raw["kind"] for a in areas[:2]] == ["admin1", "country"]
    assert areas[0].raw["name"] == "Nariño"
    assert areas[0].raw["nearest_city"]["name"] == "Pasto"
    assert geocoder.reverse("5.0, -95.0").raw["kind"] == "water"


def test_gazetteer_reverse_refuses_non_points(geocoder):
    with pytest.raises(InvalidQueryError):
        geocoder.reverse("not a point")


def test_gazetteer_works_under_geopy_rate_limiter(geocoder):
    limited = RateLimiter(geocoder.geocode, min_delay_seconds=0)
    assert limited("Quito").raw["country_code"] == "EC"


class _FakeNetwork(BaseSyncAdapter):
    """A geopy adapter that answers from a script instead of the network."""

    calls: list[str] = []
    answer: object = None

    def __init__(self, *, proxies, ssl_context):
        super().__init__(proxies=proxies, ssl_context=ssl_context)

    def get_json(self, url, *, timeout, headers):
        type(self).calls.append(url)
        assert "eventmap-tests" in headers["User-Agent"]
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def get_text(self, url, *, timeout, headers):  # pragma: no cover - JSON only
        raise NotImplementedError


@pytest.fixture
def fake_network():
    _FakeNetwork.calls = []
    _FakeNetwork.answer = None
    return _FakeNetwork


def _online(settings, fake_network, tmp_path):
    online = load_settings(
        geocoder="nominatim",
        user_agent="eventmap-tests (dev@example.org)",
        gazetteer_path=settings.gazetteer_path,
        geocoder_cache_dir=tmp_path / "cache",
        geocoder_min_delay=0,  # RateLimiter would spin on its clock with the sleep below
    )
    return get_geocoder(online, adapter_factory=fake_network, sleep=lambda s: None)


def test_online_geocoder_parses_nominatim_answers_and_caches_them(settings, fake_network, tmp_path):
    fake_network.answer = [{"lat": "-0.95", "lon": "-80.73", "display_name": "Manta, Manabí, Ecuador", "place_id": 1}]
    geocoder = _online(settings, fake_network, tmp_path)
    assert isinstance(geocoder, OnlineGeocoder)
    first = geocoder.geocode("Manta")
    second = geocoder.geocode("Manta")
    assert first.address == second.address == "Manta, Manabí, Ecuador"
    assert len(fake_network.calls) == 1, "the second answer must come from the disk cache"
    assert "nominatim.openstreetmap.org" in fake_network.calls[0]


def test_online_geocoder_falls_back_to_the_gazetteer_when_the_network_fails(settings, fake_network, tmp_path):
    fake_network.answer = GeocoderUnavailable("Name or service not known")
    geocoder = _online(settings, fake_network, tmp_path)
    location = geocoder.geocode("Quito")
    assert location.raw["country_code"] == "EC"
    assert "unavailable" in location.raw["fallback_reason"]
    assert len(fake_network.calls) == 2, "one retry, then the fallback"


def test_online_geocoder_reverse_falls_back_too(settings, fake_network, tmp_path):
    fake_network.answer = GeocoderUnavailable("offline")
    geocoder = _online(settings, fake_network, tmp_path)
    assert geocoder.reverse((1.21, -77.28)).raw["name"] == "Nariño"


def test_nominatim_without_user_agent_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="user_agent"):
        load_settings(geocoder="nominatim")


def test_get_geocoder_defaults_to_the_offline_gazetteer(settings):
    assert isinstance(get_geocoder(settings), Gazetteer)


# ---------------------------------------------------------------------------- a failing service
class _SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections (the kernel does) and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self._accepted: list[socket.socket] = []

    def connections(self) -> int:
        """How many connections clients opened, once every abandoned request has ended."""
        for thread in threading.enumerate():
            if thread.name == "eventmap-geocoder-request":
                thread.join(timeout=60)  # each ends at its socket timeout; waiting makes the count final
        self.socket.setblocking(False)
        while True:
            try:
                self._accepted.append(self.socket.accept()[0])
            except BlockingIOError:
                return len(self._accepted)

    def close(self) -> None:
        for conn in self._accepted:
            conn.close()
        self.socket.close()


@pytest.fixture
def silent_server():
    server = _SilentServer()
    yield server
    server.close()


def _online_at(settings, domain, tmp_path, **extra):
    online = load_settings(
        geocoder="nominatim",
        user_agent="eventmap-tests (dev@example.org)",
        geocoder_domain=domain,
        gazetteer_path=settings.gazetteer_path,
        geocoder_cache_dir=tmp_path / "cache",
        geocoder_min_delay=0,
        **extra,
    )
    return get_geocoder(online)


def _warnings(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_online_geocoder_spends_one_timeout_per_name_on_a_silent_server(settings, silent_server, tmp_path, caplog):
    geocoder = _online_at(settings, f"http://127.0.0.1:{silent_server.port}", tmp_path, geocoder_timeout=0.5)
    with caplog.at_level(logging.WARNING):
        location = geocoder.geocode("Quito")
    assert location.raw["country_code"] == "EC", "the offline gazetteer answers"
    assert "GeocoderTimedOut" in location.raw["fallback_reason"]
    assert silent_server.connections() == 1, "the first try fills the budget: no second try, no hidden adapter retries"
    (warning,) = _warnings(caplog)
    assert warning.exc_info is None and "\n" not in warning.getMessage()
    assert warning.getMessage().startswith("nominatim failed for 'Quito' (GeocoderTimedOut")


def test_online_geocoder_circuit_breaker_stops_asking_a_dead_service(settings, silent_server, tmp_path, caplog):
    geocoder = _online_at(settings, f"http://127.0.0.1:{silent_server.port}", tmp_path, geocoder_timeout=0.3)
    names = ["Quito", "Lima", "Caracas", "Manta", "Tumaco", "Pasto", "Cali", "Guayaquil"]
    with caplog.at_level(logging.WARNING):
        answers = [geocoder.geocode(name) for name in names]
    assert silent_server.connections() == 3, "asked three times, then no more"
    assert all(a is not None and a.raw["fallback_reason"] for a in answers)
    assert answers[-1].raw["fallback_reason"] == "nominatim not asked: it failed 3 times in a row"
    messages = [r.getMessage() for r in _warnings(caplog)]
    assert len(messages) == 4, messages
    assert messages[-1].startswith("nominatim failed 3 times in a row; not asking it again for 60 s")


def test_online_geocoder_refused_connection_is_one_warning_line_and_the_gazetteer_answers(settings, tmp_path, caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    geocoder = _online_at(settings, f"http://127.0.0.1:{port}", tmp_path)
    with caplog.at_level(logging.DEBUG):
        location = geocoder.geocode("Caracas")
    assert location.raw["country_code"] == "VE"
    (warning,) = _warnings(caplog)
    assert "nominatim failed for 'Caracas' (GeocoderUnavailable" in warning.getMessage()
    assert all(r.exc_info is None for r in caplog.records), "no traceback in any log record"


def test_online_geocoder_breaker_tries_again_after_the_pause(settings, fake_network, tmp_path):
    from geopy.geocoders import Nominatim

    from geodata.geocoding.online import CircuitBreaker

    now = [0.0]
    breaker = CircuitBreaker(failures=2, cooldown=30, clock=lambda: now[0])
    remote = Nominatim(user_agent="eventmap-tests (dev@example.org)", adapter_factory=fake_network)
    geocoder = OnlineGeocoder(
        remote,
        fallback=Gazetteer(settings.gazetteer_path),
        cache_dir=tmp_path / "cache",
        min_delay_seconds=0,
        retries=0,
        breaker=breaker,
        sleep=lambda s: None,
    )
    fake_network.answer = GeocoderUnavailable("down")
    geocoder.geocode("Quito")
    geocoder.geocode("Lima")
    assert breaker.is_open and len(fake_network.calls) == 2
    assert "not asked" in geocoder.geocode("Manta").raw["fallback_reason"]
    assert len(fake_network.calls) == 2
    now[0] = 31.0
    fake_network.answer = [{"lat": "-0.95", "lon": "-80.73", "display_name": "Manta, Manabí, Ecuador", "place_id": 1}]
    assert geocoder.geocode("Manta").address == "Manta, Manabí, Ecuador"
    assert not breaker.is_open and len(fake_network.calls) == 3


def test_online_geocoder_query_errors_do_not_trip_the_breaker(settings, fake_network, tmp_path):
    from geopy.exc import GeocoderQueryError

    fake_network.answer = GeocoderQueryError("bad request")
    geocoder = _online(settings, fake_network, tmp_path)
    for name in ["Quito", "Lima", "Cali", "Pasto"]:
        assert geocoder.geocode(name).raw["fallback_reason"]
    assert len(fake_network.calls) == 4, "asked once per name: no retry, no breaker"
    assert not geocoder.breaker.is_open


def test_cli_geocode_with_a_dead_online_service_prints_one_warning_line_per_name(settings, tmp_path):
    from click.testing import CliRunner

    from geodata.cli import main

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "EVENTMAP_GAZETTEER_PATH": str(settings.gazetteer_path),
        "EVENTMAP_GEOCODER": "photon",
        "EVENTMAP_GEOCODER_DOMAIN": f"http://127.0.0.1:{port}",
        "EVENTMAP_GEOCODER_MIN_DELAY": "0",
        "EVENTMAP_GEOCODER_CACHE_DIR": str(tmp_path / "cache"),
    }
    result = CliRunner().invoke(main, ["geocode", "Quito", "Lima"], env=env)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("eventmap: warning:")]
    assert [w.split(" (")[0] for w in warnings] == [
        "eventmap: warning: photon failed for 'Quito'",
        "eventmap: warning: photon failed for 'Lima'",
    ]
    assert "Traceback" not in result.output
    assert "geonames:3652462" in result.output
