"""geopy-contract geocoders: the offline Gazetteer and the guarded online backends."""

from __future__ import annotations

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
