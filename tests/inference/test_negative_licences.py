"""The negative set's licences are read from the packages' own copyright files, picture by picture."""

from __future__ import annotations

from inference.training.negatives import CATALOGUE, _dep5_licence, _dep5_licences

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: wallpapers

Files: *
Copyright: 2018, Someone
License: GPL-2+

Files: 16.04/friends_by_Someone.jpg
Copyright: 2018, Someone Else
License: CC-BY-4.0

Files: 20.04/Kleiber_by_Someone.jpg
 20.04/Other.jpg
Copyright: 2021, A Third
License: CC-BY-SA-3.0

Files: nature/Aqua.jpg
Copyright: 2010, A Fourth
License: CC0-1.0
"""


def test_a_picture_takes_the_licence_of_the_last_stanza_that_names_it() -> None:
    stanzas = _dep5_licences(COPYRIGHT)
    assert _dep5_licence("usr/share/backgrounds/friends_by_Someone.jpg", "wallpapers-16.04", stanzas) == "CC-BY-4.0"
    kleiber = "usr/share/backgrounds/Kleiber_by_Someone.jpg"
    assert _dep5_licence(kleiber, "wallpapers-20.04", stanzas) == "CC-BY-SA-3.0"
    # The 16.04 package's own tree does not hold the 20.04 picture: only the catch-all applies.
    assert _dep5_licence(kleiber, "wallpapers-16.04", stanzas) == "GPL-2+"
    assert _dep5_licence("usr/share/backgrounds/mate/nature/Aqua.jpg", "mate-backgrounds", stanzas) == "CC0-1.0"
    assert _dep5_licence("usr/share/backgrounds/friends_by_Someone.jpg", "x", _dep5_licences("")) == ""


def test_the_negative_set_holds_cats_and_dogs_for_evaluation() -> None:
    animals = [member for _, member, category, split in CATALOGUE if category == "animal" and split == "eval"]
    assert any("chelsea" in m for m in animals)  # a cat
    assert any("friends_by_Aitzol_Berasategi" in m for m in animals)  # two dogs
