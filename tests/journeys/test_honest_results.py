"""Journeys through the real dispatcher: a flat result gets ways to explore instead of a list,
the button under a result and /programs show the same list (with and without consent, adults
and pupils), and the free-training check fits the age band and sends a person who lost a job
to register first."""

from __future__ import annotations

from aiogram.methods import EditMessageText, SendMessage, SendPhoto

from bot.domain.quiz.content import load_quiz_catalog
from bot.runtime.offline import ChatSimulator, Request
from storage.db import Database
from tests.conftest import MakeClient
from tests.support.chat import FOLLOW_UPS
from tests.support.outreach import answer_questions

CATALOG = load_quiz_catalog()
RIASEC = CATALOG.instruments["riasec"]
KLIMOV = CATALOG.instruments["klimov"]
PERM = (58.01046, 56.25017)


async def onboard(client: ChatSimulator, role: str = "Ищу работу", consent: bool = True) -> None:
    await client.send("/start")
    await client.click("Даю согласие" if consent else "Не сейчас")
    await client.click(role)


async def answer_quiz(client: ChatSimulator, label: str, answers: list[int]) -> list[Request]:
    await client.send("/test")
    await client.click(label)
    return await answer_questions(client, answers)


def adult_sheet(per_type: dict[str, list[int]]) -> list[int]:
    """Ratings statement by statement: each type's list is used in turn."""
    used = dict.fromkeys(per_type, 0)
    answers = []
    for item_type in RIASEC.keys:
        answers.append(per_type[item_type][used[item_type]])
        used[item_type] += 1
    return answers


MIXED = adult_sheet(
    {
        "R": [1, 2, 1, 0, 1],
        "I": [3, 2, 3, 3, 2],
        "A": [1, 0, 2, 1, 1],
        "S": [4, 4, 3, 4, 3],
        "E": [2, 1, 2, 2, 1],
        "C": [3, 3, 2, 2, 3],
    }
)


def shown(replies: list[Request]) -> str:
    """The text the bot sent or edited last in reply to one step."""
    texts = [
        r.method.text
        for r in replies
        if isinstance(r.method, SendMessage | EditMessageText)
        and not (r.method.text or "").startswith(FOLLOW_UPS)
    ]
    assert texts and texts[-1] is not None
    return texts[-1]


async def choose_preferences(client: ChatSimulator) -> list[Request]:
    if "Сколько вам лет" in client.last_text:  # asked once, before the first list
        await client.click("35–49")
    if "чем вы сейчас заняты" in client.last_text:
        await client.click("Работаю")
    await client.click("Можно дольше")
    await client.click("Всё равно")
    return await client.click("Можно и платные")


async def the_two_lists(client: ChatSimulator) -> tuple[str, str]:
    """The list behind «Подходящие программы» under the result, then /programs."""
    await client.click("Подходящие программы")
    from_result = shown(await choose_preferences(client))
    return from_result, shown(await client.send("/programs"))


async def test_the_result_button_and_programs_give_the_same_list(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    await answer_quiz(client, "Тест интересов", MIXED)
    from_result, from_command = await the_two_lists(client)
    assert from_result.startswith("<b>Программы для вас</b>")
    assert "По результату теста: S" in from_result
    assert from_result == from_command
    # A button of an older result message that carried only a code: the same list too.
    await client.send_callback("fd:SIC")
    assert client.last_text == from_command


async def test_without_consent_the_same_scores_build_both_lists(
    make_client: MakeClient, db: Database
) -> None:
    client = await make_client(user_id=4002)
    await onboard(client, consent=False)
    await client.send_location(*PERM)
    await answer_quiz(client, "Тест интересов", MIXED)
    from_result, from_command = await the_two_lists(client)
    assert from_result.startswith("<b>Программы для вас</b>") and from_result == from_command
    async with db.autocommit() as repos:
        assert await repos.results.latest(client.user.id) is None  # nothing stored


async def test_a_pupil_gets_one_list_named_by_the_school_types(make_client: MakeClient) -> None:
    client = await make_client(user_id=4003, first_name="Петя")
    await onboard(client, role="Учусь в школе")
    await client.send_location(*PERM)
    order = ["people", "nature", "signs", "tech", "art"]
    choices = [int(order.index(b) < order.index(a)) for a, b in KLIMOV.keys]
    replies = await answer_quiz(client, "Тест для школьников", choices)
    result = shown(replies)
    texts = CATALOG.text("ru", "klimov")
    assert "естественно-научный" in result  # people and nature: medicine's profile
    from_result, from_command = await the_two_lists(client)
    assert from_result == from_command
    people, nature = texts.types["people"].name, texts.types["nature"].name
    # Two points apart: said together, with no order claimed.
    assert f"По школьному тесту: {people} и {nature}" in from_result
    assert "-" not in from_result.splitlines()[1]  # no RIASEC code for a school result


async def test_a_flat_result_gets_ways_to_explore_not_a_list(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    replies = await answer_quiz(client, "Тест интересов", [2] * 30)
    photo = next(r.method for r in replies if isinstance(r.method, SendPhoto))
    assert photo.caption == "Ваши ответы по типам"
    result = shown(replies)  # the news question follows the first result
    assert "Результат пока не ясен" in result
    assert "профпроба" in result and "день открытых дверей" in result
    labels = client.button_labels()
    assert not any("Подходящие программы" in label for label in labels)
    assert {"🔍 Выбрать направление", "💬 Спросить консультанта", "📍 Центры рядом"} <= set(labels)
    async with db.autocommit() as repos:
        saved = await repos.results.latest(client.user.id)
    assert saved is not None and saved.code is None

    await client.send("/programs")
    assert "не буду делать вид" in client.last_text
    assert "Подходит отлично" not in client.last_text
    await client.click("Выбрать направление")
    await client.click("Помощь и обучение")  # a field is still there to look at
    await choose_preferences(client)
    assert "Направление: 🤝 Помощь и обучение" in client.last_text


async def test_everything_disliked_is_said_kindly(client: ChatSimulator) -> None:
    await onboard(client)
    replies = await answer_quiz(
        client, "Тест интересов", adult_sheet(dict.fromkeys("RIASEC", [1] * 5))
    )
    assert "ни одно из этих занятий вас пока не зацепило" in shown(replies)


# --- the free-training check ---------------------------------------------------------------------


async def walk_the_check(client: ChatSimulator, *, job_lost: bool = False) -> list[str]:
    """Answer «Нет» to everything (or «Без работы, не на учёте» where offered); the questions."""
    asked = []
    while "Вопрос" in client.last_text:
        asked.append(client.last_text)
        labels = client.button_labels()
        if job_lost and "Без работы, не на учёте" in labels:
            await client.click("Без работы, не на учёте")
        else:
            await client.click("Нет")
    return asked


async def test_a_fifteen_year_old_is_never_asked_about_fifty_or_pension(
    make_client: MakeClient,
) -> None:
    client = await make_client(user_id=4005, first_name="Лёша")
    await onboard(client, role="Учусь в школе")
    await client.send("/free")
    assert "сколько вам лет" in client.last_text
    await client.click("14–17")
    asked = await walk_the_check(client)
    assert asked and all("50 лет" not in q and "пенси" not in q for q in asked)
    assert all("отпуске по уходу" not in q for q in asked)
    assert client.last_text.startswith("По этим признакам — скорее нет, но")
    assert 'href="https://' in client.last_text  # each category with its source
    await client.send("/free")  # the band is asked once
    assert client.last_text.startswith("<b>Можно ли учиться бесплатно?</b> Вопрос 1")


async def test_lost_a_job_without_registering_gets_the_steps_then_the_check_again(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await client.send("/free")
    await client.click("18–34")
    await walk_the_check(client, job_lost=True)
    verdict = client.last_text
    assert verdict.startswith("<b>Сначала встаньте на учёт в центре занятости</b>")
    assert "trudvsem.ru" in verdict and "Госуслуг" in verdict and "МФЦ" in verdict
    assert "скорее нет" not in verdict
    assert "Проверить ещё раз" in client.button_labels()[-3]
    await client.click("Проверить ещё раз")
    assert client.last_text.startswith("<b>Можно ли учиться бесплатно?</b> Вопрос 1")


async def test_the_verdict_cites_the_category_and_never_says_in_person_as_a_rule(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await client.send("/free")
    await client.click("50+")
    verdict = client.last_text
    assert verdict.startswith("✅ Вероятно, вы можете учиться бесплатно")
    assert "Граждане 50 лет и старше" in verdict and 'href="https://www.klerk.ru/' in verdict
    assert "Обучение очное" not in verdict and "по словам Минтруда" in verdict
