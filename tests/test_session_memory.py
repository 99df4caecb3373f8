"""A kiosk serves citizens for months in one process: the session keeps no growing history.

Found by the soak bench (bench/soak.py): every wait of every visit was appended to
``session.waits`` for the walkthrough's report, and never dropped.
"""

from __future__ import annotations

from test_session import TapTerminal, make_session, to_keypad, type_number

from kiosk_app.session_base import WAITS_KEPT


def test_a_year_of_look_ups_keeps_only_the_latest_waits_and_counts_them_all() -> None:
    session = make_session(TapTerminal())
    visits = 3 * WAITS_KEPT
    for _ in range(visits):
        to_keypad(session, "fr")
        type_number(session, "100042158731")
        session.submit_notice()  # a look-up: the citizen waits for the ministry
        session.wipe()

    assert len(session.waits) == WAITS_KEPT
    assert session.waits_total == visits
    assert {screen for screen, _seconds in session.waits} == {"notice_entry"}
