"""Synthetic events and articles for benchmarks and interface tests (seeded, reproducible).

Places are real gazetteer rows, so areas, countries and "why here?" candidates behave as in real
data; sentences come from short templates written for eventmap.

>>> from geodata.synthetic import synthetic_events
>>> frame = synthetic_events(1_000, seed=1)  # doctest: +SKIP
>>> frame["category"].value_counts().index.tolist()  # doctest: +SKIP
['military', 'political', 'economic']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["TEMPLATES", "synthetic_article_texts", "synthetic_events"]

# category, subtype, trigger, template ({place} is replaced by the place name)
TEMPLATES: list[tuple[str, str, str, str]] = [
    (
        "military",
        "armed_clash",
        "clashes",
        "Army units and an armed group fought heavy clashes near {place}, officials said.",
    ),
    (
        "military",
        "strike",
        "strike",
        "A drone strike hit a convoy outside {place} before dawn, local officials reported.",
    ),
    ("military", "strike", "airstrikes", "Airstrikes targeted depots in {place} for a second night."),
    ("military", "raid", "raid", "Special forces carried out a raid on a compound in {place}."),
    ("military", "deployment", "deployed", "The defence ministry deployed 2,000 troops to {place}."),
    ("military", "base", "naval base", "Engineers began work on a naval base at {place}."),
    (
        "military",
        "arms_procurement",
        "purchase",
        "The government approved the purchase of patrol aircraft for units based in {place}.",
    ),
    ("military", "blockade", "blockade", "Warships enforced a blockade of ports around {place}."),
    (
        "political",
        "election",
        "referendum",
        "Voters in {place} approved the constitutional referendum by a wide margin.",
    ),
    ("political", "decree", "curfew", "Authorities imposed a night curfew in {place} until the end of the month."),
    ("political", "diplomacy", "summit", "Leaders met in {place} for a regional summit on security."),
    ("political", "arrest", "arrested", "Police arrested three opposition organisers in {place}."),
    ("political", "protest", "protest", "Thousands joined a protest against fuel prices in {place}."),
    ("political", "legislation", "passed", "Lawmakers passed a bill on water rights for {place}."),
    ("economic", "trade", "trade agreement", "Negotiators signed a trade agreement covering exports from {place}."),
    ("economic", "sanctions", "sanctions", "New sanctions froze the assets of shipping firms registered in {place}."),
    ("economic", "production", "output", "Oil output in {place} fell 7 percent from the previous month."),
    ("economic", "budget", "budget", "The council approved a budget of $180 million for roads in {place}."),
    ("economic", "investment", "investment", "A mining company announced a $40 million investment in {place}."),
    ("economic", "prices", "prices", "Bread prices in {place} rose for a third week."),
]

_KIND_MIX = [("city", 0.62), ("admin1", 0.15), ("country", 0.12), ("water", 0.07), ("region", 0.04)]


def _place_pool(gazetteer: Any, rng: random.Random, size: int) -> list[tuple[Any, list[dict]]]:
    con = gazetteer._con()
    pool = []
    for kind, share in _KIND_MIX:
        limit = max(3, int(size * share))
        where = "kind = ? AND population > 50000" if kind == "city" else "kind = ?"
        rids = [r[0] for r in con.execute(f"SELECT rid FROM place WHERE {where}", (kind,))]
        for rid in rng.sample(rids, min(limit, len(rids))):
            rec = gazetteer._records("rid = ?", (rid,))[0]
            candidates = [
                {
                    "place_id": c.place.id,
                    "name": c.place.name,
                    "kind": c.place.kind,
                    "country_code": c.place.country_code,
                    "score": c.score,
                }
                for c in gazetteer.lookup(rec.name, limit=4)
            ]
            pool.append((rec, candidates))
    return pool


SYNTHETIC_ACTORS = [
    "national army",
    "police",
    "rebel group",
    "ministry of defence",
    "opposition party",
    "central bank",
    "trade unions",
    "navy",
]
SYNTHETIC_STATUSES = ("reported", "planned", "denied", "hypothetical", "commentary", "background")


def synthetic_events(
    n: int, *, seed: int = 42, gazetteer: Any = None, start: str = "2024-01-01", end: str = "2026-03-31"
) -> gpd.GeoDataFrame:
    """``n`` synthetic event rows with every store column, spread over places, dates and categories."""
    import geopandas as gpd

    from geodata.gazetteer import open_gazetteer
    from geodata.geocoding.frames import CRS, points_from_latlon

    gazetteer = gazetteer or open_gazetteer()
    rng = random.Random(seed)
    extra = random.Random(seed + 1)  # the newer columns, without changing the older ones' draws
    pool = _place_pool(gazetteer, rng, 2_000)
    day0 = dt.date.fromisoformat(start)
    span = (dt.date.fromisoformat(end) - day0).days
    rows = []
    for i in range(n):
        category, subtype, trigger, template = rng.choice(TEMPLATES)
        place, candidates = rng.choice(pool)
        sentence = template.format(place=place.name)
        offset = sentence.index(place.name)
        day = day0 + dt.timedelta(days=rng.randrange(span))
        published = day + dt.timedelta(days=rng.randrange(3))
        doc_id = hashlib.sha1(f"{seed}-{i // 3}".encode()).hexdigest()[:16]
        sentence_start = 40 * (i % 3)
        event_id = hashlib.sha1(f"{seed}-{i}".encode()).hexdigest()[:16]
        ranged = subtype == "decree"
        actors = extra.sample(SYNTHETIC_ACTORS, extra.choice((0, 1, 1, 2)))
        rows.append(
            {
                "event_id": event_id,
                "doc_id": doc_id,
                "title": f"Synthetic brief {i // 3}",
                "source": f"https://example.org/synthetic/{i // 3}",
                "published": published.isoformat(),
                "category": category,
                "subtype": subtype,
                "triggers": [trigger],
                "confidence": round(rng.uniform(0.45, 0.98), 2),
                "sentence": sentence,
                "sentence_start": sentence_start,
                "sentence_end": sentence_start + len(sentence),
                "date": day.isoformat(),
                "date_end": (day + dt.timedelta(days=15)).isoformat() if ranged else None,
                "date_text": day.strftime("%B %d"),
                "date_precision": "day",
                "place_text": place.name,
                "place_start": sentence_start + offset,
                "place_end": sentence_start + offset + len(place.name),
                "place_name": place.name,
                "place_id": place.id,
                "place_kind": place.kind,
                "country_code": place.country_code or None,
                "admin1": place.admin1_name or None,
                "geo_precision": place.geo_precision,
                "place_role": "event",
                "actors": actors,
                "agent": actors[0] if actors else None,
                "target": actors[1] if len(actors) > 1 else None,
                "fatalities": rng.choice([None, None, None, rng.randrange(1, 40)]) if category == "military" else None,
                "figures": [],
                "evidence": [sentence],
                "status": extra.choices(SYNTHETIC_STATUSES, weights=(80, 10, 4, 3, 2, 1))[0],
                "acled_sub_event_type": None,
                "cameo_code": None,
                "n_sources": 1,
                "place_score": candidates[0]["score"] if candidates else None,
                "place_candidates": candidates[1:],
                "place_reason": "synthetic",
                "sources": [f"https://example.org/synthetic/{i // 3}"],
                "doc_ids": [doc_id],
                "lat": place.lat,
                "lon": place.lon,
            }
        )
    geometry = points_from_latlon([r["lat"] for r in rows], [r["lon"] for r in rows])
    return gpd.GeoDataFrame(rows, geometry=geometry, crs=CRS)


def synthetic_article_texts(n: int, *, seed: int = 7, gazetteer: Any = None) -> list[tuple[str, str]]:
    """``n`` synthetic articles as ``(file name, text)`` with a title and publication line."""
    from geodata.gazetteer import open_gazetteer

    gazetteer = gazetteer or open_gazetteer()
    rng = random.Random(seed)
    pool = _place_pool(gazetteer, rng, 600)
    day0 = dt.date(2025, 1, 1)
    out = []
    for i in range(n):
        published = day0 + dt.timedelta(days=rng.randrange(450))
        sentences = []
        for _ in range(rng.randrange(4, 9)):
            _, _, _, template = rng.choice(TEMPLATES)
            place, _ = rng.choice(pool)
            sentences.append(template.format(place=place.name))
        title = sentences[0].split(",")[0][:70]
        text = (
            f"{title}\nPublished: {published.isoformat()}\nSource: https://example.org/synthetic/{i}\n\n"
            + " ".join(sentences)
            + "\n"
        )
        out.append((f"synthetic-{i:05d}.txt", text))
    return out
