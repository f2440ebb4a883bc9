"""Search terms: stemming, synonyms, stop words and typo correction."""

from __future__ import annotations

from bot.domain.text_search import Terms, parse_synonyms, stem, terms


def test_case_forms_meet_at_one_stem() -> None:
    assert stem("сварщиком") == stem("сварщик") == stem("сварщика")
    assert stem("welding") == stem("welder")[:4] + stem("welding")[4:]  # English stems too
    assert terms("Хочу стать СВАРЩИКОМ!") == terms("сварщик")


def test_synonyms_share_one_key_whatever_the_form() -> None:
    assert terms("айтишник") == terms("программист") == terms("разработчиком")
    assert terms("хочу в IT") == terms("программист")  # «it» counts in a Russian message
    assert terms("how does it work") == terms("work")  # and not in an English one
    assert terms("спортзале") == terms("фитнес")


def test_stop_words_do_not_search() -> None:
    assert terms("я хочу стать кем нибудь") == []
    assert terms("как учиться") == []


def test_own_synonym_file() -> None:
    synonyms = parse_synonyms("# comment\nкот|котик|cat\n\n")
    assert terms("котиком", synonyms) == terms("кот", synonyms) == terms("cats", synonyms)


def test_typos_are_corrected_only_when_close_and_trusted_by_length() -> None:
    vocabulary = Terms.of([["бухгалтер"], ["тест"], ["сварщик"]])
    fixed, guessed = vocabulary.corrected(["бугалтер", "текст", "кот"])
    assert fixed == ["бухгалтер", "тест", "кот"]  # «кот» is too short to guess
    assert guessed["бухгалтер"] > guessed["тест"]  # one typo in 8 letters beats one in 5
    assert vocabulary.correct("сварщик") == "сварщик"
    assert vocabulary.correct("абвгдеж") is None
    assert vocabulary.weight("неизвестное") > vocabulary.weight("тест")
