"""Resolution: pick the gazetteer entry each mention refers to, using the whole document as context.

Every candidate starts from the gazetteer's context-free prior (kind, population, capital, primary
name; see :mod:`geodata.gazetteer.index`) and gains evidence from the document:

====================  =============================================================================
feature               effect
====================  =============================================================================
country context       + ``country`` × share of the document's country evidence that points to the
                      candidate's country (country names, demonyms, unambiguous places)
co-mentioned unit     + ``admin1`` when the document also names the candidate's first-level division
                      ("Columbus … Ohio"), + ``country_named`` when it names the country
container             + ``container`` for "Charleston, W.Va." (the next place contains this one)
containment           + ``contains`` for an admin unit that holds other places of the document
                      (Nariño the department, not Nariño the town, next to Tumaco)
proximity             + ``near`` × closeness to the other places of the document (within 50–500 km)
NER label             + ``label`` when the label fits the kind (LOC → sea, region; GPE → admin, city)
kind word             + ``kind_hint`` for "Nariño department", "Orange County", "the city of …"
====================  =============================================================================

Mentions with the same name in one document get the same place (one sense per discourse), and
the resolution runs twice so that places resolved in the first pass inform the second. Each result
keeps its final score, a confidence (the softmax share of the winner), the runner-up candidates
and a short human-readable reason.

>>> from geodata.nlp.resolve import DEFAULT_WEIGHTS
>>> DEFAULT_WEIGHTS.country
3.0
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from geodata.gazetteer import Candidate, GazetteerIndex, PlaceRecord, normalize_name
from geodata.nlp.recognize import Mention

__all__ = ["DEFAULT_WEIGHTS", "Resolution", "Weights", "resolve_mentions"]


@dataclass(frozen=True)
class Weights:
    """Weights of the document evidence (see the module docstring)."""

    country: float = 3.0
    admin1: float = 3.0
    country_named: float = 1.0
    container: float = 6.0
    contains: float = 2.0
    near: float = 2.0
    label: float = 1.0
    kind_hint: float = 2.5
    demonym_vote: float = 1.0
    country_vote: float = 1.5
    place_vote: float = 1.0


DEFAULT_WEIGHTS = Weights()


@dataclass
class Resolution:
    """A mention and the place chosen for it (``place`` is ``None`` when nothing fits)."""

    mention: Mention
    place: PlaceRecord | None
    score: float | None
    confidence: float | None
    alternatives: list[tuple[PlaceRecord, float]] = field(default_factory=list)
    reason: str = ""

    def as_dict(self, n_alternatives: int = 3) -> dict:
        """JSON-ready summary (place fields, score, runner-ups)."""
        m, p = self.mention, self.place
        return {
            "start": m.start,
            "end": m.end,
            "name": m.text,
            "mention_kind": m.kind,
            "label": m.label,
            "place_id": p.id if p else None,
            "place_name": p.name if p else None,
            "kind": p.kind if p else None,
            "country_code": (p.country_code or None) if p else None,
            "admin1": (p.admin1_name or None) if p else None,
            "lat": p.lat if p else None,
            "lon": p.lon if p else None,
            "score": self.score,
            "confidence": self.confidence,
            "reason": self.reason,
            "candidates": [
                {
                    "place_id": alt.id,
                    "name": alt.name,
                    "kind": alt.kind,
                    "country_code": alt.country_code,
                    "score": round(s, 3),
                }
                for alt, s in self.alternatives[:n_alternatives]
            ],
        }


def _km(a: PlaceRecord, b: PlaceRecord) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


_LABEL_FIT = {
    "LOC": {
        "water": 1.0,
        "region": 1.0,
        "island": 0.8,
        "admin1": 0.3,
        "country": 0.2,
        "admin2": 0.0,
        "city": -0.3,
        "landmark": 0.3,
    },
    "GPE": {"country": 0.6, "admin1": 0.5, "city": 0.5, "admin2": 0.3, "region": 0.0, "water": -1.0, "island": 0.0},
    "FAC": {"city": 0.2, "water": 0.2, "landmark": 1.0},
    "NORP": {"country": 0.5, "region": 0.5},
}


_LOCAL_KINDS = ("city", "admin2", "admin1", "island", "landmark")


class _Context:
    """Evidence the document gives about where it is (countries, admin units, places)."""

    def __init__(self) -> None:
        self.country_votes: Counter[str] = Counter()
        self.admin1: Counter[str] = Counter()  # admin1 code → mentions × confidence
        self.admin1_by_key: dict[str, tuple[str, float]] = {}  # mention key → (its unit, weight)
        self.countries_named: set[str] = set()
        self.places: list[tuple[str, PlaceRecord, float]] = []  # (mention key, place, weight)

    def share(self, country: str, exclude: Counter[str] | None = None) -> float:
        votes = self.country_votes.copy()
        if exclude:
            votes.subtract(exclude)
        total = sum(v for v in votes.values() if v > 0)
        return max(0.0, votes.get(country, 0.0)) / total if total else 0.0


def _context_from(
    groups: dict[str, list[Mention]], chosen: dict[str, tuple[PlaceRecord, float]], gaz: GazetteerIndex, w: Weights
) -> tuple[_Context, dict[str, Counter[str]]]:
    ctx = _Context()
    own: dict[str, Counter[str]] = defaultdict(Counter)
    for key, mentions in groups.items():
        count = len(mentions)
        first = mentions[0]
        if first.kind == "demonym":
            for target in _demonym_targets(first, gaz):
                codes = [target.country_code] if target.country_code else list(target.context)
                for code in codes:
                    vote = w.demonym_vote * count / max(1, len(codes))
                    ctx.country_votes[code] += vote
                    own[key][code] += vote
            continue
        pick = chosen.get(key)
        if pick is None:
            continue
        place, confidence = pick
        if place.kind == "country":
            vote = w.country_vote * count
            ctx.countries_named.add(place.country_code)
        elif place.kind in ("region", "water") and not place.country_code:
            continue
        else:
            vote = w.place_vote * count * confidence
        if place.country_code:
            ctx.country_votes[place.country_code] += vote
            own[key][place.country_code] += vote
        if place.kind == "admin1":
            # An unsure state ("New York": the city or the state?) vouches less for its towns.
            ctx.admin1[place.admin1_code] += count * confidence
            ctx.admin1_by_key[key] = (place.admin1_code, count * confidence)
        ctx.places.append((key, place, confidence))
    return ctx, own


def _score(
    candidate: Candidate,
    mention: Mention,
    key: str,
    ctx: _Context,
    own: Counter[str],
    containers: list[PlaceRecord],
    w: Weights,
) -> tuple[float, list[str]]:
    place = candidate.place
    score = candidate.score
    why = []
    cc = place.country_code
    if cc:
        share = ctx.share(cc, own)
        if share:
            score += w.country * share
            if share >= 0.3:
                why.append(f"{cc} context {share:.0%}")
    elif place.context:
        share = max((ctx.share(c, own) for c in place.context), default=0.0)
        score += w.country * share * 0.5
    # A name does not vouch for itself: "Quebec" the province does not make "Quebec" the city likely.
    own_unit, own_count = ctx.admin1_by_key.get(key, ("", 0))
    named = ctx.admin1.get(place.admin1_code, 0) - (own_count if own_unit == place.admin1_code else 0)
    if place.kind in ("city", "admin2", "island", "landmark") and place.admin1_code and named > 0.05:
        score += w.admin1 * min(1.0, named)
        why.append(f"{place.admin1_name} also named")
    if cc and cc in ctx.countries_named and place.kind != "country":
        score += w.country_named
    if containers and _in_any(place, containers):
        score += w.container
        why.append("named with its state or country")
    if (place.kind in ("admin1", "admin2", "country") or place.population >= 100_000) and ctx.places:
        inside = sum(1 for k, p, _ in ctx.places if k != key and p.id != place.id and _inside(p, place))
        if inside:
            score += w.contains * min(1.0, inside / 2)
            why.append(f"contains {inside} other place{'s' if inside > 1 else ''} of the text")
    if place.kind in _LOCAL_KINDS and ctx.places:
        others = [(p, c) for k, p, c in ctx.places if k != key and p.kind in _LOCAL_KINDS]
        if others:
            # Local news names several places near each other: each close one adds support.
            support = sorted((_closeness(_km(place, p)) * min(1.0, 0.5 + c) for p, c in others), reverse=True)
            closeness = sum(support[:NEAR_SUPPORT]) / NEAR_DIVISOR
            if closeness:
                score += w.near * closeness
                nearest = min(_km(place, p) for p, _ in others)
                if nearest < 160:
                    why.append(f"{nearest:.0f} km from another place of the text")
    fit = _LABEL_FIT.get(mention.label, {}).get(place.kind, 0.0)
    score += w.label * fit
    if mention.kind_hint and place.kind in mention.kind_hint:
        score += w.kind_hint
        why.append(f"named as a {place.kind}")
    return score, why


NEAR_SUPPORT = 1
NEAR_DIVISOR = 1.0


def _closeness(km: float) -> float:
    """1 within 50 km, falling to 0 at 500 km (log scale)."""
    return 1.0 if km < 50 else max(0.0, 1 - math.log(km / 50) / math.log(10))


def _inside(child: PlaceRecord, parent: PlaceRecord) -> bool:
    if parent.kind == "country":
        return child.country_code == parent.country_code and child.kind != "country"
    if parent.kind == "admin1":
        return (
            bool(child.admin1_code)
            and child.admin1_code == parent.admin1_code
            and child.kind in ("city", "admin2", "island", "landmark")
        )
    if parent.kind == "admin2":
        return child.kind == "city" and child.admin1_code == parent.admin1_code and _km(child, parent) < 40
    if parent.kind == "city":  # a big city holds its boroughs and landmarks ("Brooklyn", "Wall Street")
        return child.kind in ("city", "landmark", "admin2") and _km(child, parent) < 25
    return False


def resolve_mentions(
    mentions: list[Mention], gazetteer: GazetteerIndex, *, weights: Weights = DEFAULT_WEIGHTS, rounds: int = 2
) -> list[Resolution]:
    """Choose a place for every mention of one document (see the module docstring).

    Demonym mentions resolve to their country or region; mentions without candidates keep
    ``place=None`` with a reason.
    """
    groups: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        groups[("d:" if m.kind == "demonym" else "") + normalize_name(m.text)].append(m)
    containers: dict[str, set[str]] = defaultdict(set)
    for key, ms in groups.items():
        for m in ms:
            if m.container:
                containers[key].add(m.container)
    container_places = {key: _container_places(values, gazetteer) for key, values in containers.items()}
    chosen: dict[str, tuple[PlaceRecord, float]] = {}
    for key, ms in groups.items():
        if ms[0].kind != "demonym" and ms[0].candidates:
            best = ms[0].candidates[0]
            margin = best.score - ms[0].candidates[1].score if len(ms[0].candidates) > 1 else 5.0
            chosen[key] = (best.place, min(1.0, max(0.2, margin / 3)))
    scored: dict[str, list[tuple[float, PlaceRecord, list[str]]]] = {}
    for _ in range(rounds):
        ctx, own = _context_from(groups, chosen, gazetteer, weights)
        new_chosen = {}
        for key, ms in groups.items():
            first = ms[0]
            if first.kind == "demonym" or not first.candidates:
                continue
            label = max((m.label for m in ms), key=lambda lab: lab in ("GPE", "LOC"))
            hint = next((m.kind_hint for m in ms if m.kind_hint), ())
            probe = Mention(first.start, first.end, first.text, label, first.kind, kind_hint=hint)
            results = []
            for cand in first.candidates:
                s, why = _score(cand, probe, key, ctx, own.get(key, Counter()), container_places.get(key, []), weights)
                results.append((s, cand.place, why))
            results.sort(key=lambda r: -r[0])
            scored[key] = results
            top = results[0][0]
            total = sum(math.exp(r[0] - top) for r in results)
            new_chosen[key] = (results[0][1], 1.0 / total)
        chosen = new_chosen
    out = []
    for m in mentions:
        key = ("d:" if m.kind == "demonym" else "") + normalize_name(m.text)
        if m.kind == "demonym":
            targets = _demonym_targets(m, gazetteer)
            if targets:
                target = max(targets, key=lambda p: p.population)
                out.append(
                    Resolution(
                        m,
                        target,
                        None,
                        1.0 / len(targets),
                        [(t, 0.0) for t in targets if t is not target],
                        f"demonym of {target.name}",
                    )
                )
            else:
                out.append(Resolution(m, None, None, None, [], "unknown demonym"))
            continue
        results = scored.get(key)
        if not results:
            out.append(Resolution(m, None, None, None, [], "no gazetteer entry"))
            continue
        top_score, place, why = results[0]
        confidence = chosen[key][1]
        base = f"{place.kind}, pop {place.population:,}" if place.population else place.kind
        reason = "; ".join([base, *why]) if why else base
        out.append(
            Resolution(
                m, place, round(top_score, 3), round(confidence, 3), [(p, s) for s, p, _ in results[1:6]], reason
            )
        )
    return out


def _demonym_targets(mention: Mention, gazetteer: GazetteerIndex) -> list[PlaceRecord]:
    """The countries or regions a demonym points to; a country code used as one ("US troops") is its country."""
    targets = gazetteer.demonym(mention.text)
    if not targets and mention.candidates:
        targets = [mention.candidates[0].place]
    return targets


def _container_places(texts: set[str], gazetteer: GazetteerIndex) -> list[PlaceRecord]:
    places = []
    for text in texts:
        for cand in gazetteer.lookup(text, kinds=("admin1", "country", "admin2"), limit=3):
            places.append(cand.place)
    return places


def _in_any(place: PlaceRecord, containers: list[PlaceRecord]) -> bool:
    return any(_inside(place, c) for c in containers)
