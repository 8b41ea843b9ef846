"""ImageNet-1k class names: forgiving lookup by name, synonym or index, with suggestions.

>>> find_class("panda").name, find_class("violin, fiddle").index, find_class("388").name
('giant panda', 889, 'giant panda')

Matching, in order (the first rule that gives exactly one class wins):

1. an integer is a class index (0..999);
2. a name equal to one of a class's names (torchvision's short name or a WordNet synonym), ignoring
   case, punctuation and ``-``/``_``; several comma-separated names must all belong to the class
   ("violin, fiddle"). When a name belongs to several classes ("panda" is both the giant and the
   lesser panda), the class where it comes earliest among the names wins (giant panda: "giant panda,
   panda, ..."; lesser panda: "lesser panda, red panda, panda, ..."); a tie is an ambiguity error;
3. the same with a plural ``s``/``es`` dropped or added ("violins");
4. every word of the query appears as a whole word in the names of exactly one class ("golden" ->
   golden retriever, "coffee" -> coffee mug; "retriever" names five classes and is refused);
5. a near-certain typo (similarity >= 0.9 to one class's name only).

Anything else raises :class:`UnknownClass` with up to five suggestions, each with its index.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from brushcli.errors import InvalidArgument
from brushcli.vision._imagenet import CLASSES

NUM_CLASSES = 1000


class UnknownClass(InvalidArgument):
    """A class name or index that names no ImageNet class (or several)."""


@dataclass(frozen=True)
class ImageNetClass:
    """One ImageNet-1k class: its index in every classifier's logits, short name and synonyms."""

    index: int
    name: str
    synonyms: tuple[str, ...]
    wordnet_id: str

    @property
    def slug(self) -> str:
        """A folder-safe name: ``giant panda`` -> ``giant-panda``."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def __str__(self) -> str:
        return f"{self.name} ({self.index})"


def normalise(text: str) -> str:
    """Lower case, punctuation, ``-`` and ``_`` to spaces, single spaces."""
    text = re.sub(r"[^0-9a-z' ]+", " ", text.lower().replace("'", ""))
    return " ".join(text.split())


@lru_cache(maxsize=1)
def all_classes() -> tuple[ImageNetClass, ...]:
    """The 1000 classes in index order."""
    out = []
    for index, (wnid, short, synonyms) in enumerate(CLASSES):
        names = [short] + [s.strip() for s in synonyms.split(",") if s.strip()]
        unique = tuple(dict.fromkeys(names))
        out.append(ImageNetClass(index=index, name=short, synonyms=unique, wordnet_id=wnid))
    return tuple(out)


@lru_cache(maxsize=1)
def _names() -> dict[str, list[tuple[int, int]]]:
    """Normalised name -> [(class index, position of the name among the class's names)]."""
    table: dict[str, list[tuple[int, int]]] = {}
    for cls in all_classes():
        seen = set()
        for pos, name in enumerate(cls.synonyms):
            key = normalise(name)
            if key and key not in seen:
                seen.add(key)
                table.setdefault(key, []).append((cls.index, pos))
    return table


def get_class(index: int) -> ImageNetClass:
    if not 0 <= index < NUM_CLASSES:
        raise UnknownClass(f"ImageNet class index must be 0..{NUM_CLASSES - 1}, got {index}")
    return all_classes()[index]


def _exact(parts: list[str]) -> list[ImageNetClass]:
    """Classes having every one of ``parts`` as a name, best (earliest first part) first; ties kept."""
    table = _names()
    best: dict[int, int] = {}
    for i, part in enumerate(parts):
        hits = {index: pos for index, pos in table.get(part, [])}
        if i == 0:
            best = hits
        else:
            best = {index: pos for index, pos in best.items() if index in hits}
    if not best:
        return []
    top = min(best.values())
    return [all_classes()[index] for index, pos in sorted(best.items()) if pos == top]


def _variants(part: str) -> list[str]:
    out = []
    if part.endswith("es"):
        out.append(part[:-2])
    if part.endswith("s"):
        out.append(part[:-1])
    else:
        out.append(part + "s")
    return out


def _containing(words: list[str]) -> list[ImageNetClass]:
    """Classes with a name containing every word of ``words`` as a whole word."""
    found = []
    for cls in all_classes():
        for name in cls.synonyms:
            have = set(normalise(name).split())
            if all(w in have for w in words):
                found.append(cls)
                break
    return found


def suggest(query: str, n: int = 5) -> list[ImageNetClass]:
    """Up to ``n`` classes a mistyped or vague ``query`` may have meant."""
    key = normalise(query.replace(",", " "))
    if not key:
        return []
    out: list[ImageNetClass] = []
    table = _names()
    for name in difflib.get_close_matches(key, list(table), n=n * 2, cutoff=0.6):
        for index, _ in sorted(table[name], key=lambda t: t[1]):
            cls = all_classes()[index]
            if cls not in out:
                out.append(cls)
    for cls in _containing(key.split()):
        if cls not in out:
            out.append(cls)
    return out[:n]


def _ambiguous(query: str, classes: list[ImageNetClass]) -> UnknownClass:
    names = ", ".join(str(c) for c in classes[:6])
    return UnknownClass(f"ImageNet class {query!r} is ambiguous: {names}; give a fuller name or the index")


def find_class(query: str | int) -> ImageNetClass:
    """Resolve a class name, synonym(s) or index (see the module docstring for the rules)."""
    if isinstance(query, int) and not isinstance(query, bool):
        return get_class(query)
    text = str(query).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return get_class(int(text))
    parts = [normalise(p) for p in text.split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise UnknownClass("empty ImageNet class name; give a name such as 'giant panda' or an index 0..999")
    for candidate in ([parts] + [[v] + parts[1:] for v in _variants(parts[0])]):
        hits = _exact(candidate)
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise _ambiguous(text, hits)
    words = " ".join(parts).split()
    within = _containing(words)
    if len(within) == 1:
        return within[0]
    key = " ".join(parts)
    table = _names()
    scored = sorted(((difflib.SequenceMatcher(None, key, name).ratio(), name) for name in
                     difflib.get_close_matches(key, list(table), n=3, cutoff=0.9)), reverse=True)
    if scored:
        indices = {index for index, _ in table[scored[0][1]]}
        if len(indices) == 1 and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.03):
            return all_classes()[indices.pop()]
    hints = within[:5] if 1 < len(within) <= 12 else suggest(text)
    hint = f" (did you mean: {', '.join(str(c) for c in hints)}?)" if hints else ""
    raise UnknownClass(f"unknown ImageNet class {text!r}{hint}; give one of the 1000 class names or an index 0..999")
