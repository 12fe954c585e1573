"""Train the event classifier (``eventmap train``, ``make train``) from hand-labelled sentences.

Input: a JSONL file of labelled sentences, one per line::

    {"id": "lgl:41028454:233", "group": "lgl:41028454", "text": "…", "source": "news",
     "reference": "2009-12-31", "events": [{"subtype": "military.strike", "status": "reported",
     "trigger_start": 12, "trigger_end": 19}]}

(``bench/data/events_v2.py training-set`` writes it from the train split and the sentences written
for eventmap; ``group`` is the source document, so that cross-validation never splits one;
``source`` says whether it is real news, on which model selection is judged, or written for
eventmap; ``reference`` is the latest year its document names, for telling background.) Each
sentence is parsed exactly as ingest parses a sentence; every trigger candidate the lexicon finds
becomes an example, labelled with the subtype of the gold event whose trigger it overlaps, or
``none``. Candidates linked in the parse to a labelled trigger of the same category (the "killed"
of "strikes killed five") are left out: they are part of that event, neither an event of their
own nor a counter-example. Gold triggers that no candidate covers are reported (lexicon misses).

The model is a multinomial logistic regression (scikit-learn, needed only here) over
:func:`~geodata.nlp.classify.features.mention_features`. The regularisation strength, the class
weights and the decision threshold are chosen by cross-validation grouped by document: the best
sentence-level macro-F1 among the settings that give at most ``MAX_NO_EVENT_SHARE`` of the news
sentences without a mapped event an event on the map; weights below
``PRUNE`` are dropped; the result is written as JSON for
:class:`~geodata.nlp.classify.model.LinearClassifier`, with its provenance and scores in ``meta``.

>>> from geodata.nlp.classify.train import PRUNE
>>> PRUNE
0.01
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from geodata.errors import ConfigurationError
from geodata.lang import Language, load_language
from geodata.nlp.classify.features import MentionContext, mention_features
from geodata.nlp.classify.lexicon import lexicon_verdicts
from geodata.nlp.classify.model import NONE_LABEL, LinearClassifier
from geodata.nlp.factuality import event_status, status_features
from geodata.nlp.triggers import ParsedSentence, TriggerFinder

__all__ = ["MAX_NO_EVENT_SHARE", "PRUNE", "Example", "build_examples", "choose_setting", "train_classifier"]

PRUNE = 0.01
C_GRID = (1.0, 3.0, 10.0)
CLASS_WEIGHTS = (None, "balanced")
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
# The most of the news sentences without a mapped event that may get one in cross-validation (#14).
MAX_NO_EVENT_SHARE = 0.15
MAPPED = ("reported", "planned")
_LINKS = {"nsubj", "nsubjpass", "dobj", "acl", "advcl", "xcomp", "relcl", "compound", "amod", "appos", "attr"}

Example = tuple[list[str], str, str, str, bool]  # features, label, group (document), sentence id, mapped status


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigurationError(f"cannot read the training sentences {path}: {err}") from None
    rows = [json.loads(line) for line in lines if line.strip()]
    if not rows:
        raise ConfigurationError(f"{path} holds no training sentences")
    return rows


def build_examples(rows: list[dict[str, Any]], nlp: Any, language: Language) -> tuple[list[Example], dict[str, Any]]:
    """Examples (features, label, group) of every trigger candidate, and counts for the report."""
    finder = TriggerFinder(nlp.vocab, language)
    examples: list[Example] = []
    misses: Counter[str] = Counter()
    found = total = 0
    sentences: dict[str, set[str]] = {}
    statuses: list[Example] = []
    for row, doc in zip(rows, nlp.pipe(r["text"] for r in rows), strict=True):
        if row.get("source", "news") == "news":  # model selection is judged on real news sentences
            sentences[row["id"]] = {e["subtype"].split(".")[0] for e in row["events"] if e.get("status") in MAPPED}
        sentence = ParsedSentence(doc, 0, 0, len(doc.text))
        candidates = finder.find(doc)
        labels: dict[int, str] = {}
        for event in row["events"]:
            total += 1
            hit = [
                m
                for m in candidates
                if doc[m.start].idx < event["trigger_end"]
                and event["trigger_start"] < doc[m.end - 1].idx + len(doc[m.end - 1])
            ]
            if not hit:
                misses[doc.text[event["trigger_start"] : event["trigger_end"]].lower()] += 1
                continue
            found += 1
            best = min(hit, key=lambda m: abs(m.head.idx - event["trigger_start"]))
            labels[best.head.i] = event["subtype"]
            if event.get("status"):
                feats = _status_features(best.head, sentence, language, row.get("reference"))
                statuses.append((feats, event["status"], row.get("group", row["id"]), row["id"], True))
        for m in candidates:
            label = labels.get(m.head.i, NONE_LABEL)
            if label == NONE_LABEL and _linked_to(m.head, labels):
                continue
            ctx = MentionContext.of(m, sentence)
            mapped = event_status(m.head, language.factuality)[0] in MAPPED
            examples.append(
                (mention_features(ctx, lexicon_verdicts(ctx)), label, row.get("group", row["id"]), row["id"], mapped)
            )
    report = {
        "sentence_categories": sentences,
        "status_examples": statuses,
        "sentences": len(rows),
        "gold_events": total,
        "gold_events_with_a_candidate": found,
        "lexicon_misses": dict(misses.most_common(40)),
    }
    return examples, report


def _status_features(head: Any, sentence: ParsedSentence, language: Language, reference: str | None) -> list[str]:
    """Factuality features of a trigger as ingest computes them (its date from the sentence, the reference date)."""
    from geodata.nlp.arguments import date_for
    from geodata.nlp.dates import find_dates

    date = date_for(head, find_dates(sentence.text, reference), sentence, {head.i})
    return status_features(
        head,
        language.factuality,
        date=date.date if date else None,
        date_end=date.date_end if date else None,
        published=reference,
    )


def _linked_to(head: Any, labels: dict[int, str]) -> bool:
    """Whether a word is one edge away, in the parse, from a labelled trigger."""
    if head.dep_ in _LINKS and head.head.i in labels:
        return True
    return any(child.i in labels and child.dep_ in _LINKS for child in head.children)


def _fit(examples: list[Example], c: float, class_weight: str | None = None) -> tuple[Any, Any]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([dict.fromkeys(e[0], 1) for e in examples])
    y = [e[1] for e in examples]
    model = LogisticRegression(C=c, max_iter=3000, fit_intercept=False, class_weight=class_weight)
    model.fit(x, y)
    return vectorizer, model


def _to_linear(vectorizer: Any, model: Any, meta: dict[str, Any]) -> LinearClassifier:
    labels = [str(c) for c in model.classes_]
    coef = model.coef_
    if coef.shape[0] == 1:  # two classes: scikit-learn stores one row
        coef = [-coef[0] / 2, coef[0] / 2]
    names = vectorizer.get_feature_names_out()
    weights: dict[str, list[list[float]]] = {}
    for j, name in enumerate(names):
        pairs = [[i, float(coef[i][j])] for i in range(len(labels)) if abs(coef[i][j]) >= PRUNE]
        if pairs:
            weights[str(name)] = pairs
    return LinearClassifier(labels, weights, meta)


def _cross_validate(examples: list[Example], sentences: dict[str, set[str]], folds: int = 5) -> dict[str, Any]:
    """Grouped k-fold over documents; choose C, class weights and threshold by sentence-level macro-F1.

    The choice is made the way the map is judged: per sentence, the most confident event's
    category (or none) against the categories of the sentence's reported and planned events.
    """
    from sklearn.model_selection import GroupKFold

    groups = [e[2] for e in examples]
    splitter = GroupKFold(n_splits=folds)
    mentions: dict[tuple[float, str | None, float], list[tuple[str, str]]] = {}
    tops: dict[tuple[float, str | None, float], dict[str, tuple[float, str]]] = {}
    for c in C_GRID:
        for weight in CLASS_WEIGHTS:
            for train_idx, test_idx in splitter.split(examples, groups=groups):
                vectorizer, model = _fit([examples[i] for i in train_idx], c, weight)
                clf = _to_linear(vectorizer, model, {})
                for i in test_idx:
                    feats, gold, _, sid, mapped = examples[i]
                    probs = clf.probabilities(feats)
                    for t in THRESHOLDS:
                        clf.threshold = t
                        answer = clf.decide(probs)
                        key = (c, weight, t)
                        mentions.setdefault(key, []).append((gold, answer[0] if answer else NONE_LABEL))
                        best = tops.setdefault(key, {}).get(sid, (0.0, NONE_LABEL))
                        if answer and mapped and answer[1] > best[0]:  # what the map would show
                            tops[key][sid] = (answer[1], answer[0].split(".")[0])
    table = {}
    for key, pairs in mentions.items():
        table[key] = {**_scores(pairs), **_sentence_scores(sentences, tops[key])}
    best = choose_setting(table)
    return {"C": best[0], "class_weight": best[1], "threshold": best[2], **table[best]}


def choose_setting(table: dict[Any, dict[str, float]]) -> Any:
    """The cross-validated setting to ship: nothing false on the map comes first.

    Among the settings that give at most ``MAX_NO_EVENT_SHARE`` of the sentences without a mapped
    event an event, the best sentence macro-F1; when none does, the fewest such events.

    >>> choose_setting({"a": {"no_event_with_event": 0.2, "sentence_macro_f1": 0.6},
    ...                 "b": {"no_event_with_event": 0.1, "sentence_macro_f1": 0.5}})
    'b'
    """
    allowed = [k for k in table if table[k]["no_event_with_event"] <= MAX_NO_EVENT_SHARE]
    if allowed:
        return max(allowed, key=lambda k: table[k]["sentence_macro_f1"])
    return min(table, key=lambda k: table[k]["no_event_with_event"])


def _status_cross_validate(examples: list[Example], folds: int = 5) -> dict[str, float]:
    """Grouped k-fold accuracy of the status model, next to the parse rules' own accuracy."""
    from sklearn.model_selection import GroupKFold

    hits = rule_hits = 0
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(examples, groups=[e[2] for e in examples]):
        vectorizer, model = _fit([examples[i] for i in train_idx], 1.0)
        clf = _to_linear(vectorizer, model, {})
        for i in test_idx:
            feats, gold = examples[i][0], examples[i][1]
            hits += clf.most_probable(feats)[0] == gold
            rule_hits += f"rule={gold}" in feats
    n = len(examples) or 1
    return {"status_accuracy": round(hits / n, 3), "rules_accuracy": round(rule_hits / n, 3)}


def _sentence_scores(sentences: dict[str, set[str]], tops: dict[str, tuple[float, str]]) -> dict[str, float]:
    """Sentence-level accuracy and macro-F1 of the top category (``none`` included), as bench/eval_events.py."""
    confusion: Counter[tuple[str, str]] = Counter()
    for sid, gold in sentences.items():
        top = tops.get(sid, (0.0, NONE_LABEL))[1]
        hit = top in gold if gold else top == NONE_LABEL
        expected = top if hit else (sorted(gold)[0] if gold else NONE_LABEL)
        confusion[(expected, top)] += 1
    classes = ["military", "political", "economic", NONE_LABEL]
    f1s = []
    for c in classes:
        tp = confusion[(c, c)]
        fp = sum(v for (g, p), v in confusion.items() if p == c and g != c)
        fn = sum(v for (g, p), v in confusion.items() if g == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if tp else 0.0)
    total = sum(confusion.values())
    nulls = [sid for sid, gold in sentences.items() if not gold]
    with_event = sum(1 for sid in nulls if tops.get(sid, (0.0, NONE_LABEL))[1] != NONE_LABEL)
    return {
        "sentence_accuracy": round(sum(confusion[(c, c)] for c in classes) / total, 3) if total else 0.0,
        "sentence_macro_f1": round(sum(f1s) / len(f1s), 3),
        "no_event_with_event": round(with_event / len(nulls), 3) if nulls else 0.0,
    }


def _scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Micro F1 of events at the category level and at the subtype level (``none`` excluded)."""
    out = {}
    for level, key in (("category", lambda s: s.split(".")[0]), ("subtype", lambda s: s)):
        tp = sum(1 for g, p in pairs if g != NONE_LABEL and p != NONE_LABEL and key(g) == key(p))
        fp = sum(1 for g, p in pairs if p != NONE_LABEL and (g == NONE_LABEL or key(g) != key(p)))
        fn = sum(1 for g, p in pairs if g != NONE_LABEL and (p == NONE_LABEL or key(g) != key(p)))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[f"{level}_precision"] = round(prec, 3)
        out[f"{level}_recall"] = round(rec, 3)
        out[f"{level}_f1"] = round(2 * prec * rec / (prec + rec), 3) if tp else 0.0
    return out


def train_classifier(
    training_file: str | Path, out: str | Path | None = None, *, language: str = "en", settings: Any = None
) -> dict[str, Any]:
    """Train on ``training_file``, write the weights (``language``'s ``event_model.json`` by default).

    Returns the report (counts, cross-validated scores, lexicon misses).

    Raises
    ------
    ConfigurationError
        When scikit-learn is not installed, or the training file cannot be read.
    """
    try:
        import sklearn
    except ImportError:
        raise ConfigurationError("training needs scikit-learn: pip install 'eventmap[train]'") from None
    from geodata.nlp.pipeline import load_pipeline

    lang = load_language(language)
    path = Path(training_file)
    rows = _read(path)
    nlp = load_pipeline(settings, parse=True)
    examples, report = build_examples(rows, nlp, lang)
    labels = Counter(e[1] for e in examples)
    status_examples = report.pop("status_examples")
    cv = _cross_validate(examples, report.pop("sentence_categories"))
    vectorizer, model = _fit(examples, cv["C"], cv["class_weight"])
    status_cv = _status_cross_validate(status_examples)
    status_vectorizer, status_model = _fit(status_examples, 1.0)
    meta = {
        "trained": dt.date.today().isoformat(),
        "training_file": path.name,
        "sentences": report["sentences"],
        "documents": len({r.get("group", r["id"]) for r in rows}),
        "examples": len(examples),
        "labels": dict(sorted(labels.items())),
        "C": cv["C"],
        "class_weight": cv["class_weight"],
        "threshold": cv["threshold"],
        "cross_validation": {k: v for k, v in cv.items() if k not in ("C", "class_weight", "threshold")},
        "scikit_learn": sklearn.__version__,
        "features": "geodata.nlp.classify.features.mention_features",
        "provenance": "bench/data: train split of events_v2 (geobench documents) + events_own.jsonl; see bench/data/README.md",
    }
    meta["status"] = {
        "examples": len(status_examples),
        "labels": dict(Counter(e[1] for e in status_examples)),
        **status_cv,
    }
    classifier = _to_linear(vectorizer, model, meta)
    classifier.status = _to_linear(status_vectorizer, status_model, {"C": 1.0})
    target = Path(out) if out else lang.model_path
    target.write_text(
        json.dumps(classifier.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    return {**report, **meta, "weights_file": str(target), "weights": len(classifier.weights)}
