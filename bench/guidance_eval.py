"""How well the programme lists fit people: precision@5 over personas a careers adviser judged.

Each persona has interests (how much they like each kind of activity), an age band, a status, a
place and the three filters. The script answers the real quiz for them (30 ratings for adults,
20 forced choices for school students, derived from their interests), scores it with the real
instrument, saves the result as the bot does, and asks for the first page of programmes exactly
as `/programs` does (`basis_of` → `person_for` → `programmes_page`) on the packaged catalogue.
A persona whose result is flat does what the bot then offers: picks a field.

Every programme shown is judged as a careers adviser would, by what it trains for (tags from
its title) against what the persona would accept — what their main interest trains for fits,
what their second interest (or another job of the same kind) trains for fits partly:

    fits = 1, partly = 0.5, anything else = 0,
    and 0 for an in-person programme beyond reach or one the person may not enrol in,

checked here on the programme's own data, independently of the ranking code. precision@5 is
the mean over the programmes shown (at most 5). An empty list is right when the catalogue has
nothing acceptable the person could take (said "—" with the honest message); it counts as 0
when it hides something acceptable.

    python bench/guidance_eval.py [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.domain.catalogue import Audience, Center, Program
from bot.domain.enrolment import AgeBand, Status
from bot.domain.geo import PlaceIndex, distance_km
from bot.domain.offer_index import Recommender
from bot.domain.quiz.content import load_quiz_catalog
from bot.domain.quiz.evaluate import evaluate
from bot.domain.ranking import REACH_KM, FormatChoice, Preferences, StudyLength
from bot.services.database import open_database
from bot.services.profile import Place
from bot.services.recommendations import basis_of, person_for, programmes_page, today
from bot.services.results import save_result
from storage.db import Database

TARGET = 0.8

# --- what a programme trains for, by its title (the adviser's reading, not the weights) ------

TAGS: dict[str, str] = {
    "medicine": r"медсестр|медицин|пациент|фармац|первая помощь",
    "care": r"уход за больн|по уходу|няня|социальн|инвалидност|групп здоровья",
    "teaching": r"педагог|вожат|воспитател|тьютор|детского коллектива|moodle",
    "it": r"программ(ир|ного)|python|тестировщ|аналитик данных|информационн|эвм"
    r"|вычислительн|excel|безопасность: основы",
    "office": r"делопроизвод|секретар|кадров|архив|мфц|документооборот",
    "accounting": r"бухгалтер|налог|1с|закупк|кассир|банковское",
    "sales": r"продаж|маркетплейс|smm|маркетинг|продавец|агент по недвижимости|предприним"
    r"|свое дело",
    "management": r"руководител|администратор",
    "design": r"дизайн|3d|графическ|фотограф|видеомонтаж|мультипликат|флорист|керамик"
    r"|презентацион",
    "beauty": r"парикмахер|визажист",
    "sewing": r"швея|портной",
    "cooking": r"повар|кондитер|пекарь|кафе",
    "construction": r"каменщ|штукатур|маляр|столяр|кладк|санитарно-техн|отделочн",
    "electro": r"электромонтаж|электростанц|электробезопас|автоматик|контрольно-измерит"
    r"|котельн",
    "mechanics": r"слесар|автомобил|рихтов|станк|чпу|тракторист|сварщ|сварк",
    "drones": r"бпла|беспилот|дрон",
    "nature": r"садов|агроном|ферм|лесовод|ветеринар|эколог|ландшафт|защищенного грунта"
    r"|экопросвещ",
    "lab": r"лаборант|метролог|микробиолог|химическ",
    "logistics": r"логист|склад|комплектован|диспетчер",
    "transport": r"судн|капитан",
    "hospitality": r"гостиниц|горничн",
    "events": r"культорганизатор|мероприят|экскурс",
    "fitness": r"тренер|тренажер",
    "safety": r"охрана труда|электробезопасност",
    "digital-help": r"цифров|компьютерная грамотность",
    "robotics": r"робототехник",
    "drafting": r"чертежник",
}


def tags_of(title: str) -> set[str]:
    text = title.lower().replace("ё", "е")
    return {tag for tag, pattern in TAGS.items() if re.search(pattern, text)}


# --- personas ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    name: str
    quiz: str  # "riasec" or "klimov"
    interests: Mapping[str, float]  # RIASEC: liking 0..4 per type; Klimov: strength per type
    age: AgeBand
    status: Status | None
    role: str  # "student" (school), "adult" or "parent"
    where: tuple[float, float] | None  # a shared location; None: not given
    prefs: Preferences
    fits: frozenset[str]
    partly: frozenset[str] = frozenset()
    field_if_flat: str = "S"  # the field a person with a flat result picks
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _p(
    length: StudyLength = StudyLength.any,
    fmt: FormatChoice = FormatChoice.any,
    free: bool = False,
) -> Preferences:
    return Preferences(length=length, format=fmt, free_only=free)


def R(**levels: float) -> dict[str, float]:
    """A RIASEC profile: liking 0..4 per type, 0.5 where not given."""
    return {t: levels.get(t, 0.5) for t in "RIASEC"}


def K(**strengths: float) -> dict[str, float]:
    """Klimov strengths: the stronger type of a pair is chosen."""
    return {t: strengths.get(t, 0.0) for t in ("nature", "tech", "people", "signs", "art")}


def fs(*tags: str) -> frozenset[str]:
    return frozenset(tags)


PERM, KUNGUR = (58.01, 56.25), (57.43, 56.94)
EKB, NSK, MOSCOW, KAZAN = (56.84, 60.61), (55.03, 82.92), (55.75, 37.62), (55.79, 49.12)
TULA, KURGAN, SHADRINSK = (54.19, 37.62), (55.44, 65.34), (56.08, 63.63)
TAMBOV, MICHURINSK, NNOV = (52.72, 41.45), (52.90, 40.49), (56.33, 44.00)
SPB, SMOLENSK, LIPETSK, KRASNODAR = (59.94, 30.31), (54.78, 32.04), (52.61, 39.59), (45.04, 38.98)
VOLOGDA, CHEREPOVETS, TYUMEN = (59.22, 39.89), (59.13, 37.90), (57.15, 65.53)
STAVROPOL, KALININGRAD, MURMANSK = (45.04, 41.97), (54.71, 20.51), (68.97, 33.09)
CHELYABINSK, SARATOV, YAKUTSK = (55.16, 61.40), (51.53, 46.03), (62.03, 129.73)
LUHANSK, KRASNOYARSK, VORONEZH = (48.57, 39.33), (56.01, 92.87), (51.67, 39.18)

A, C, ANY = AgeBand, Status, _p()
# fmt: off
PERSONAS: tuple[Persona, ...] = (
    # Adults with a clear profile, in big cities.
    Persona("медсестра по духу, Пермь", "riasec", R(S=4, I=2.5, C=1.5, R=1), A.middle,
            C.working, "adult", PERM, ANY, fs("medicine", "care"),
            fs("teaching", "fitness", "digital-help", "lab")),
    Persona("бухгалтер, Пермь", "riasec", R(C=4, E=2, I=1.5), A.middle, C.working, "adult",
            PERM, ANY, fs("accounting", "office"), fs("it", "logistics", "management", "sales")),
    Persona("сварщик, Екатеринбург", "riasec", R(R=4, C=1.5, I=1.5), A.young, C.not_working,
            "adult", EKB, _p(free=True), fs("mechanics", "electro", "construction"),
            fs("drones", "logistics", "safety")),
    Persona("дизайнер, Новосибирск", "riasec", R(A=4, I=2, E=1.5), A.young, C.student,
            "adult", NSK, ANY, fs("design"), fs("it", "events", "sales", "beauty", "sewing")),
    Persona("продажи, Москва", "riasec", R(E=4, S=2.5, C=1.5), A.middle, C.working, "adult",
            MOSCOW, ANY, fs("sales", "management", "events", "hospitality"),
            fs("office", "teaching", "care", "digital-help")),
    Persona("аналитик, Казань, онлайн", "riasec", R(I=4, C=3, R=1), A.young, C.working,
            "adult", KAZAN, _p(fmt=FormatChoice.online), fs("it"),
            fs("accounting", "office", "lab")),
    Persona("педагог в декрете, Тула", "riasec", R(S=4, A=3, E=1.5), A.young,
            C.parental_leave, "parent", TULA, ANY, fs("teaching", "care"),
            fs("design", "events", "sales", "medicine")),
    Persona("химик, Нижний Новгород", "riasec", R(I=4, R=2.5, C=2), A.young, C.working,
            "adult", NNOV, ANY, fs("lab", "it"), fs("nature", "electro", "mechanics")),
    Persona("повар-кондитер, Смоленск", "riasec", R(A=3.5, R=3, S=1), A.young, C.not_working,
            "adult", SMOLENSK, ANY, fs("cooking", "design", "sewing", "beauty"),
            fs("construction", "hospitality")),
    Persona("администратор, Краснодар", "riasec", R(E=3.5, C=3, S=2), A.middle, C.working,
            "adult", KRASNODAR, ANY, fs("management", "sales", "office", "accounting"),
            fs("hospitality", "events", "logistics")),
    Persona("медицина и наука, Липецк", "riasec", R(S=3.5, I=3.5, R=1.5), A.middle,
            C.working, "adult", LIPETSK, ANY, fs("medicine", "lab", "care"),
            fs("nature", "teaching", "it")),
    Persona("3D и веб, Новосибирск, онлайн", "riasec", R(A=3.5, I=3.5, C=1.5), A.young,
            C.student, "adult", NSK, _p(fmt=FormatChoice.online), fs("design", "it"),
            fs("sales")),
    Persona("агроном, Тамбов, 50+", "riasec", R(R=3.5, I=3, C=1.5), A.senior, C.working,
            "adult", TAMBOV, _p(free=True), fs("nature", "lab"),
            fs("mechanics", "electro", "construction", "it")),
    Persona("пенсионер-мастер, Курган", "riasec", R(R=4, C=2.5), A.senior, C.retired, "adult",
            KURGAN, ANY, fs("mechanics", "electro", "construction"),
            fs("safety", "logistics", "nature", "digital-help")),
    Persona("мама, свое дело, Санкт-Петербург", "riasec", R(E=4, S=3, A=1.5), A.young,
            C.parental_leave, "parent", SPB, _p(fmt=FormatChoice.online),
            fs("sales", "management", "teaching", "care"), fs("office", "design", "events")),
    Persona("вожатый? нет — 45 лет, Красноярск", "riasec", R(S=4, E=2.5, A=1.5), A.middle,
            C.working, "adult", KRASNOYARSK, ANY, fs("care", "teaching", "medicine"),
            fs("events", "sales", "fitness", "management"),
            note="Вожатый — только для студентов: не должен появиться"),
    # Small towns.
    Persona("Кунгур, электрик", "riasec", R(R=4, I=2, C=2), A.middle, C.working, "adult",
            KUNGUR, ANY, fs("electro", "mechanics", "construction"),
            fs("safety", "drones", "it", "lab")),
    Persona("Шадринск, соцработник", "riasec", R(S=4, C=2, R=1.5), A.senior, C.not_working,
            "adult", SHADRINSK, ANY, fs("care", "medicine"),
            fs("office", "digital-help", "teaching", "accounting")),
    Persona("Мичуринск, лаборант", "riasec", R(I=4, R=2.5, C=2.5), A.young, C.not_working,
            "adult", MICHURINSK, _p(free=True), fs("lab", "nature", "it"), fs("office")),
    Persona("Череповец, сварщик", "riasec", R(R=4, I=1.5, C=1.5), A.young, C.working, "adult",
            CHEREPOVETS, ANY, fs("mechanics", "electro", "construction"), fs("drones")),
    # Regions without a known centre.
    Persona("Мурманск, механик, очно", "riasec", R(R=4, I=2), A.middle, C.working, "adult",
            MURMANSK, _p(fmt=FormatChoice.in_person), fs("mechanics", "electro", "construction"),
            fs("drones", "safety", "lab"), note="очно рядом нет: честный ответ и онлайн"),
    Persona("Челябинск, делопроизводство", "riasec", R(C=4, S=2, E=1.5), A.middle,
            C.not_working, "adult", CHELYABINSK, ANY, fs("office", "accounting"),
            fs("it", "logistics", "digital-help", "care", "teaching")),
    Persona("Саратов, социальная сфера", "riasec", R(S=4, A=2, C=1.5), A.young, C.not_working,
            "adult", SARATOV, ANY, fs("care", "teaching", "medicine"),
            fs("events", "design", "office")),
    Persona("Якутск, онлайн, бухгалтерия", "riasec", R(C=4, I=2.5, E=2), A.middle,
            C.working, "adult", YAKUTSK, _p(fmt=FormatChoice.online),
            fs("accounting", "office"), fs("it", "sales", "logistics", "management")),
    Persona("Луганск, 50+, бухгалтер", "riasec", R(C=4, E=1.5, S=1.5), A.senior,
            C.not_working, "adult", LUHANSK, ANY, fs("accounting", "office"),
            fs("it", "digital-help"), note="курсы ЛНР 2023 года закрыты: не должны появиться"),
    # Flat results: the person picks a field.
    Persona("всё средне, Пермь → поле «Порядок»", "riasec", R(R=2, I=2, A=2, S=2, E=2, C=2),
            A.young, C.not_working, "adult", PERM, ANY, fs("office", "accounting", "it"),
            fs("logistics"), field_if_flat="C"),
    Persona("ничего не нравится, Воронеж → поле «Помощь»", "riasec",
            R(R=0.5, I=0.5, A=1, S=1.5, E=0.5, C=1), A.middle, C.not_working, "adult",
            VORONEZH, ANY, fs("care", "teaching", "medicine"), fs("events", "fitness"),
            field_if_flat="S"),
    # School students (the school quiz).
    Persona("школьник-технарь, Вологда", "klimov", K(tech=5, signs=3, nature=2), A.teen,
            None, "student", VOLOGDA, ANY,
            fs("mechanics", "electro", "drones", "construction"), fs("it", "logistics")),
    Persona("школьница: люди и природа, Вологда", "klimov", K(people=5, nature=4, art=2),
            A.teen, None, "student", VOLOGDA, ANY,
            fs("medicine", "care", "teaching", "nature", "digital-help"),
            fs("lab", "cooking")),
    Persona("школьник: знаки, Тюмень", "klimov", K(signs=5, tech=3, nature=1), A.teen, None,
            "student", TYUMEN, ANY, fs("it", "office", "accounting", "logistics", "drafting"),
            fs("electro", "lab", "mechanics", "drones", "construction", "transport")),
    Persona("школьник: образ, техника и знаки, Ставрополь", "klimov",
            K(art=5, tech=4, signs=4, people=1), A.teen, None, "student", STAVROPOL, ANY,
            fs("design", "cooking", "sewing", "beauty"),
            fs("construction", "it", "electro", "mechanics", "drones", "office", "drafting")),
    Persona("школьница: природа, Санкт-Петербург", "klimov", K(nature=5, people=3, signs=2),
            A.teen, None, "student", SPB, ANY, fs("lab", "nature"),
            fs("medicine", "care", "teaching", "digital-help")),
    Persona("школьник: образ, Калининград", "klimov", K(art=5, signs=3, people=2), A.teen,
            None, "student", KALININGRAD, ANY, fs("design"),
            fs("sales", "events", "it", "office", "drafting")),
    Persona("школьница: люди, Липецк", "klimov", K(people=5, signs=3, nature=2), A.teen, None,
            "student", LIPETSK, ANY, fs("medicine", "care", "teaching"),
            fs("office", "it", "accounting")),
    Persona("школьник 13 лет, Пермь", "klimov", K(tech=5, art=3), A.under14, None, "student",
            PERM, ANY, fs("mechanics", "electro", "drones", "robotics"), fs("design"),
            note="рядом школьных программ нет: честный ответ"),
    Persona("школьник, Омск: люди", "klimov", K(people=5, art=3, signs=1), A.teen, None,
            "student", (54.99, 73.37), ANY, fs("teaching", "care", "medicine"),
            fs("events", "design")),
    Persona("студентка колледжа, Вологда", "riasec", R(S=4, A=2.5, E=2), A.young, C.student,
            "adult", VOLOGDA, ANY, fs("teaching", "care", "medicine"),
            fs("events", "design", "sales", "management"),
            note="школьные программы Вологды ей не положены"),
)
# fmt: on


# --- the adviser's check of reach and enrolment, on the programme's own data -----------------


def adviser_may_take(
    program: Program, center: Center | None, persona: Persona, place: Place | None, on: date
) -> bool:
    """Within reach, open to the persona and still enrolling — checked on the programme's own
    data, the way an adviser reads a catalogue line."""
    return _within_reach(program, center, place) and _open_to(program, persona, place, on)


def _within_reach(program: Program, center: Center | None, place: Place | None) -> bool:
    if program.center_id is None or program.format == "online":
        return True
    if center is None or place is None:
        return False
    near = distance_km(place.lat, place.lon, center.lat, center.lon) <= REACH_KM
    return near or center.region_slug == place.region_slug


def _open_to(program: Program, persona: Persona, place: Place | None, on: date) -> bool:
    status = persona.status or (Status.school if persona.role == "student" else None)
    groups = {
        Audience.school: status is Status.school,
        Audience.students: status is Status.student,
        Audience.adults: persona.age not in (AgeBand.under14, AgeBand.teen),
        Audience.seniors: persona.age is AgeBand.senior,
        Audience.parents: status is Status.parental_leave,
    }
    oldest = persona.age.max_age if persona.age.max_age is not None else 120
    checks = (
        not program.audience or any(groups.get(a, False) for a in program.audience),
        program.min_age is None or persona.age.min_age >= program.min_age,
        program.max_age is None or oldest <= program.max_age,
        not program.statuses or status in program.statuses,
        not program.residents_only
        or (place is not None and program.residents_only == place.region_slug),
        program.enroll_until is None or program.enroll_until >= on,
    )
    return all(checks)


def judge(tags: set[str], persona: Persona) -> float:
    if tags & persona.fits:
        return 1.0
    if tags & persona.partly:
        return 0.5
    return 0.0


# --- the run ---------------------------------------------------------------------------------


class Conversation:
    """Conversation data of one person, as aiogram's FSMContext keeps it."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    async def get_data(self) -> dict[str, Any]:
        return dict(self.data)

    async def set_data(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    async def update_data(
        self, data: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        self.data.update(data or {}, **kwargs)
        return dict(self.data)


def riasec_answers(keys: tuple[str, ...], levels: Mapping[str, float]) -> list[int]:
    """Ratings 0–4: the liking of the item's type, a little up or down item by item, as real
    answers wobble."""
    wobble = (0.0, 0.5, -0.5, 0.25, -0.25)
    seen: dict[str, int] = {}
    answers = []
    for item_type in keys:
        k = seen.get(item_type, 0)
        seen[item_type] = k + 1
        answers.append(max(0, min(4, round(levels[item_type] + wobble[k % 5]))))
    return answers


def klimov_answers(keys: tuple[tuple[str, str], ...], strength: Mapping[str, float]) -> list[int]:
    """Each pair: the option of the stronger interest (A on a tie)."""
    return [1 if strength[b] > strength[a] else 0 for a, b in keys]


@dataclass(frozen=True)
class Shown:
    program: Program
    center: Center | None
    fit: float
    tags: set[str]
    may_take: bool  # within reach and open to the persona, by the adviser's check
    score: float
    km: float | None


@dataclass
class Outcome:
    persona: Persona
    label: str
    shown: list[Shown]
    nothing_near: bool
    missed: bool  # an empty list although something acceptable was within reach

    @property
    def precision(self) -> float | None:
        if not self.shown:
            return 0.0 if self.missed else None
        return statistics.fmean(item.score for item in self.shown)


async def run_persona(
    db: Database, places: PlaceIndex, recommender: Recommender, persona: Persona, user_id: int
) -> Outcome:
    quizzes = load_quiz_catalog()
    instrument = quizzes.instruments[persona.quiz]  # type: ignore[index]
    if persona.quiz == "riasec":
        answers = riasec_answers(instrument.keys, persona.interests)
    else:
        answers = klimov_answers(instrument.keys, persona.interests)
    result = evaluate(instrument, answers)
    async with db.transaction() as tx:
        await tx.users.ensure(user_id)
        await tx.users.give_consent(user_id, first_name=None, last_name=None, username=None)
        await tx.users.set_role(user_id, persona.role)  # type: ignore[arg-type]
        user_row = await tx.users.get(user_id)
    assert user_row is not None
    conversation = Conversation()
    await save_result(
        db, user_row, conversation, instrument, answers, result, "2026-11-30T09:00:00Z"
    )
    basis = await basis_of(db, user_row, conversation, None)
    assert basis is not None
    label = basis.label
    if basis.flat:
        basis = await basis_of(db, user_row, conversation, persona.field_if_flat)
        assert basis is not None
        label = f"ровный → поле {persona.field_if_flat}"
    place = None
    if persona.where is not None:
        region = places.nearest_region(*persona.where)
        place = Place(region.slug, persona.where[0], persona.where[1], "point")
    on = today()
    person = person_for(
        basis, place, persona.role, age_band=persona.age, status=persona.status, on=on
    )
    page = await programmes_page(db, recommender, person, persona.prefs, 0)
    shown = []
    for ranked, program, center in page.items:
        tags = tags_of(program.title)
        ok = adviser_may_take(program, center, persona, place, on)
        score = judge(tags, persona) if ok else 0.0
        shown.append(Shown(program, center, ranked.fit, tags, ok, score, ranked.distance_km))
    missed = False
    if not shown:
        async with db.autocommit() as repos:
            everything = await repos.catalogue.all_programs()
            centers = await repos.catalogue.centers(
                [p.center_id for p in everything if p.center_id]
            )
        missed = any(
            judge(tags_of(p.title), persona) > 0
            and adviser_may_take(p, centers.get(p.center_id or ""), persona, place, on)
            and _wanted(p, persona.prefs)
            for p in everything
        )
    return Outcome(persona, label, shown, page.nothing_near, missed)


def _wanted(program: Program, prefs: Preferences) -> bool:
    online = program.center_id is None or program.format == "online"
    if prefs.format is FormatChoice.online and not online:
        return False
    if prefs.format is FormatChoice.in_person and online:
        return False
    return not prefs.free_only or program.is_free is True


async def main(verbose: bool) -> int:
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder) / "eval.sqlite3")
        try:
            async with db.autocommit() as repos:
                places = PlaceIndex(await repos.catalogue.regions())
            recommender = Recommender()
            outcomes = [
                await run_persona(db, places, recommender, persona, 10_000 + number)
                for number, persona in enumerate(PERSONAS)
            ]
        finally:
            await db.close()
    print(f"{'#':>2}  {'persona':<44} {'result':<16} {'n':>1}  {'P@5':>4}  note")
    scored = []
    for number, outcome in enumerate(outcomes, start=1):
        precision = outcome.precision
        shown = "—" if precision is None else f"{precision:.2f}"
        if precision is not None:
            scored.append((outcome.persona, precision))
        note = "ничего рядом → онлайн, центр, консультант" if outcome.nothing_near else ""
        if outcome.missed:
            note = "пусто, хотя было что предложить"
        elif precision is None:
            note = note or "пусто: подходящего нет"
        print(
            f"{number:>2}  {outcome.persona.name[:44]:<44} {outcome.label[:16]:<16} "
            f"{len(outcome.shown):>1}  {shown:>4}  {note}"
        )
        if verbose:
            for item in outcome.shown:
                center = item.center
                where = "онлайн"
                if center is not None:
                    where = f"{center.name[:24]}, {item.km or 0:.0f} км"
                mark = "" if item.may_take else "  ✗ нельзя/далеко"
                print(
                    f"      {item.score:.1f} {item.fit:.2f}  {item.program.title[:44]:<44} "
                    f"{where:<34} {','.join(sorted(item.tags))}{mark}"
                )
    overall = statistics.fmean(p for _, p in scored)
    adults = [p for persona, p in scored if persona.quiz == "riasec"]
    pupils = [p for persona, p in scored if persona.quiz == "klimov"]
    print()
    print(f"personas: {len(outcomes)}, with a list: {len(scored)}")
    print(f"precision@5 overall {overall:.2f} (target ≥ {TARGET})")
    print(
        f"  adults {statistics.fmean(adults):.2f}, school students {statistics.fmean(pupils):.2f}"
    )
    return 0 if overall >= TARGET else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list the programmes shown")
    sys.exit(asyncio.run(main(parser.parse_args().verbose)))
