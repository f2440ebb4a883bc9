"""How well free text is understood: the labelled messages of `tests/data/intents.csv`.

Every message goes through `FreeText.understand` exactly as the bot's free-text handler calls it
(the packaged FAQ, occupations, regions and towns, a fresh database). Printed, for the part the
thresholds were tuned on (`dev`) and for the part written at the same time but never looked at
while tuning (`held`), and for both:

- intent accuracy: the intent the bot acts on equals the label;
- occupation top 3: for messages labelled with occupations, one of the acceptable ids is among
  the three occupations the search ranks first;
- right FAQ answer: for questions, the FAQ entry ranked first is the labelled one;
- place: for places, the first region found is the labelled one;

then every miss, with what the bot decided.

    python bench/intent_eval.py [--part dev|held|all] [--quiet]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, machine

from bot.domain.catalogue import load_regions
from bot.domain.geo import PlaceIndex
from bot.domain.towns import load_towns
from bot.services.database import open_database
from bot.services.free_text import FAQ, OCC, FreeText

LABELLED = ROOT / "tests" / "data" / "intents.csv"
TARGETS = {"intent": 0.9, "occupation": 0.9, "faq": 0.9}


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    lang: str
    intent: str
    expected: tuple[str, ...]
    part: str


@dataclass(slots=True)
class Outcome:
    item: Labelled
    intent: str
    occupations: tuple[str, ...]
    faq: str | None
    region: str | None

    @property
    def intent_ok(self) -> bool:
        return self.intent == self.item.intent

    @property
    def detail_ok(self) -> bool | None:
        """Whether the occupation, FAQ entry or region is right (None: nothing to check)."""
        expected = set(self.item.expected)
        if not expected:
            return None
        if self.item.intent == "occupation":
            return bool(expected & set(self.occupations[:3]))
        if self.item.intent == "question":
            return self.faq in expected
        if self.item.intent == "place":
            return self.region in expected
        return None


def load_labelled(path: Path = LABELLED) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Labelled(
                text=row["text"],
                lang=row["lang"],
                intent=row["intent"],
                expected=tuple(x for x in row["expected"].split("|") if x),
                part=row["part"],
            )
            for row in csv.DictReader(file)
        ]


async def run(items: list[Labelled]) -> list[Outcome]:
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "eval.sqlite3")
        try:
            free_text = FreeText.packaged()
            places = PlaceIndex(load_regions(), load_towns)
            outcomes = []
            for item in items:
                understood = await free_text.understand(db, places, item.text)
                ranked = await free_text.candidates(db, item.text)
                occupations = tuple(c.ref for c in ranked if c.kind == OCC)
                faqs = [c.ref for c in ranked if c.kind == FAQ]
                region = None
                if understood.places:
                    region = understood.places[0].region.slug
                outcomes.append(
                    Outcome(
                        item=item,
                        intent=understood.intent.value,
                        occupations=occupations,
                        faq=faqs[0] if faqs else None,
                        region=region,
                    )
                )
            return outcomes
        finally:
            await db.close()


def share(hits: int, total: int) -> str:
    return f"{hits / total:6.1%} ({hits}/{total})" if total else "   — (0)"


def report(title: str, outcomes: list[Outcome]) -> dict[str, float]:
    intent_hits = sum(o.intent_ok for o in outcomes)
    figures = {"intent": intent_hits / len(outcomes) if outcomes else 0.0}
    print(f"{title}: {len(outcomes)} messages")
    print(f"  intent accuracy            {share(intent_hits, len(outcomes))}")
    for label, intent in (("occupation in top 3", "occupation"), ("right FAQ answer", "question"),
                          ("right region", "place")):  # fmt: skip
        checked = [o for o in outcomes if o.item.intent == intent and o.detail_ok is not None]
        hits = sum(bool(o.detail_ok) for o in checked)
        print(f"  {label:<26} {share(hits, len(checked))}")
        key = {"occupation": "occupation", "question": "faq"}.get(intent)
        if key and checked:
            figures[key] = hits / len(checked)
    by_intent = Counter(o.item.intent for o in outcomes)
    right = Counter(o.item.intent for o in outcomes if o.intent_ok)
    print("  by intent: " + ", ".join(f"{k} {right[k]}/{n}" for k, n in sorted(by_intent.items())))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--part", choices=("dev", "held", "all"), default="all")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args()
    print(machine())
    items = load_labelled()
    if args.part != "all":
        items = [i for i in items if i.part == args.part]
    outcomes = asyncio.run(run(items))
    for part in ("dev", "held"):
        chosen = [o for o in outcomes if o.item.part == part]
        if chosen:
            report(f"{part} part", chosen)
    figures = report("all", outcomes)
    verdicts = [
        f"{name} {'met' if figures.get(name, 0.0) >= target else 'NOT met'} (≥ {target:.0%})"
        for name, target in TARGETS.items()
    ]
    print("targets: " + "; ".join(verdicts))
    if args.quiet:
        return
    print("\nmisses (label → decided; details):")
    for o in outcomes:
        if o.intent_ok and o.detail_ok in (None, True):
            continue
        detail = {
            "occupation": f"top3 {list(o.occupations[:3])}",
            "question": f"faq {o.faq}",
            "place": f"region {o.region}",
        }.get(o.item.intent, f"occ {list(o.occupations[:1])} faq {o.faq}")
        expected = "|".join(o.item.expected) or "-"
        print(
            f"  [{o.item.part}] {o.item.text!r} ({o.item.lang}): {o.item.intent} → {o.intent}; "
            f"expected {expected}; {detail}"
        )


if __name__ == "__main__":
    main()
