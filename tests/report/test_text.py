"""Escaping, font runs and clipping: what reaches a Paragraph is never markup from a user."""

from __future__ import annotations

from shopper.report.styles import CJK, font_runs
from shopper.report.text import MISSING, clean, clip, markup, one_line, printable


def test_markup_escapes_every_tag_and_entity() -> None:
    text = "<b>x</b> & <a href='https://evil.example'>y</a> <img src='/etc/passwd'/> &amp;"
    result = markup(text)
    assert "<" not in result.replace("&lt;", "")
    assert result.count("&lt;") == text.count("<")
    assert "&amp;amp;" in result


def test_markup_keeps_line_breaks_and_drops_controls() -> None:
    assert markup("one\r\ntwo\rthree\u2028four") == "one<br/>two<br/>three<br/>four"
    assert markup("a\x00b\x1bc\x7fd\tend") == "abcd end"


def test_cjk_runs_use_the_fallback_face_and_the_rest_the_main_one() -> None:
    runs = list(font_runs("Łódź 東京 서울 Ελλάδα"))
    assert runs == [(None, "Łódź "), (CJK, "東京"), (None, " "), (CJK, "서울"), (None, " Ελλάδα")]
    assert markup("a東b") == f'a<font face="{CJK}">東</font>b'


def test_characters_beyond_the_bmp_become_a_replacement() -> None:
    assert markup("ok 😀 𠀋") == f"ok {MISSING} {MISSING}"


def test_characters_no_font_has_are_replaced_or_dropped_if_invisible() -> None:
    khmer, oriya_nukta, mongolian_separator = "\u17d7", "\u0b3c", "\u180e"
    assert printable(f"a{khmer}b{oriya_nukta}c{mongolian_separator}d\xade") == f"a{MISSING}bcde"
    assert printable("Łódź 東京 Ελλάδα e\u0301") == "Łódź 東京 Ελλάδα e\u0301"


def test_unpaired_surrogates_do_not_break_the_text() -> None:
    assert clean("a\ud800b") == "a?b"


def test_clip_cuts_at_a_space_and_says_so() -> None:
    text = "word " * 100
    shown, clipped = clip(text, 52)
    assert clipped
    assert shown.endswith("…")
    assert len(shown) <= 53
    assert not shown[:-1].endswith(" ")
    assert clip("short", 10) == ("short", False)
    assert clip("x" * 30, 10) == ("x" * 10 + "…", True)


def test_one_line_joins_lines() -> None:
    assert one_line("a\n b\t\tc", 100) == "a b c"


def test_an_ideographic_space_prints_as_a_plain_space() -> None:
    # Found by hypothesis: U+3000 went to the CJK face, and reportlab then wrote the
    # spaces it joins lines with in that face, which has no ASCII space: NULs in the text.
    assert printable("0\u30000 東京\u3000駅") == "0 0 東京 駅"
