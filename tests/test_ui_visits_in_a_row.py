"""Visit after visit in one kiosk: a wipe leaves nothing of the citizen and nothing more alive.

The soak bench (bench/soak.py) found the screens keeping the last visit's widgets and texts
after the wipe (the review's lines, the last question's keys, the receipt's outcomes and
picture), so what the kiosk held between two citizens depended on the last one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kiosk_runs import run_scenario

pytestmark = pytest.mark.ui

STREET = "rue Canari-Éloïse"
CITY = "Saint-Canari-des-Érables"


def test_after_each_wipe_no_screen_holds_the_citizen_and_the_same_widgets_stay_alive(
    tmp_path: Path,
) -> None:
    seen = run_scenario("visits_in_a_row", str(tmp_path), STREET, CITY)

    assert seen["outcomes"] == ["done", "done", "abandoned"]
    fresh, _, after_fine, after_walking_away = seen["alive"]
    assert {count["widgets"] for count in seen["alive"]} == {fresh["widgets"]}
    # A label's texture is made the first time its screen shows; the two first visits
    # showed every screen of a visit, so from then on nothing more is alive.
    assert after_walking_away == after_fine
    for texts in seen["texts"][1:]:
        assert not [text for text in texts if "Canari" in text or "004215873" in text]
