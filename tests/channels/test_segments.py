"""SMS segments: GSM-7 and UCS-2 counting, and the segments carried by a validated send."""

from __future__ import annotations

import pytest

from app.channels import Segments, count_segments
from tests.channels._samples import GOOD, send

# --- SMS segments ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("", Segments("GSM-7", 0, 0)),
    ("a" * 160, Segments("GSM-7", 1, 160)),
    ("a" * 161, Segments("GSM-7", 2, 161)),
    ("a" * 306, Segments("GSM-7", 2, 306)),
    ("a" * 307, Segments("GSM-7", 3, 307)),
    ("é" * 160, Segments("GSM-7", 1, 160)),
    ("ж" * 70, Segments("UCS-2", 1, 70)),
    ("ж" * 71, Segments("UCS-2", 2, 71)),
    ("ж" * 134, Segments("UCS-2", 2, 134)),
    ("ж" * 135, Segments("UCS-2", 3, 135)),
])
def test_segments_at_the_gsm7_and_ucs2_boundaries(text, expected):
    assert count_segments(text) == expected


@pytest.mark.parametrize("char", ["€", "{", "}", "[", "]", "~", "|", "^", "\\", "\f"])
def test_gsm7_extension_characters_count_two_septets(char):
    assert count_segments(char * 80) == Segments("GSM-7", 1, 80)
    assert count_segments(char * 81).segments == 2
    assert count_segments("a" * 158 + char) == Segments("GSM-7", 1, 159)
    assert count_segments("a" * 159 + char).segments == 2


def test_an_escape_sequence_is_never_split_across_parts():
    # 306 septets would fit two parts, but the euro sign cannot straddle the boundary.
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3


def test_one_non_gsm_character_switches_the_whole_text_to_ucs2():
    assert count_segments("a" * 69 + "ç") == Segments("UCS-2", 1, 70)
    assert count_segments("a" * 70 + "ç").segments == 2


def test_emoji_count_two_utf16_units():
    assert count_segments("😀" * 35) == Segments("UCS-2", 1, 35)
    assert count_segments("😀" * 36).segments == 2
    # A 67-unit part holds 33 emoji, so 66 fill two parts and the 67th needs a third.
    assert count_segments("😀" * 66).segments == 2
    assert count_segments("😀" * 67).segments == 3


def test_a_surrogate_pair_is_never_split_across_parts():
    # 66 units + an emoji would straddle the 67-unit part boundary.
    assert count_segments("ж" * 66 + "😀" + "ж" * 66).segments == 3


def test_sms_sends_carry_segments_encoding_and_segment_price():
    result = send("sms", to="+15551234567", text="ж" * 71)
    assert (result.segments, result.encoding) == (2, "UCS-2")
    assert result.cost_estimate_micros == 2 * 7_900


def test_non_sms_sends_are_one_segment_without_encoding():
    result = send("rcs", to="+15551234567", text="ж" * 500)
    assert (result.segments, result.encoding) == (1, None)
    assert send("email", **GOOD["email"]).encoding is None
