"""Scenario: a French citizen renews a registration, is refused once, and answers the survey.

Run by tests/test_ui_services.py, in one launch of the kiosk against the sandbox over HTTP:
- on the menu the citizen taps "listen" (no headset is plugged in) and hears each screen;
- the first licence typed is not the owner's: the kiosk puts the citizen back on the licence
  question with the reason; the citizen erases it and types the owner's;
- while typing, the citizen switches to English and back, and tries the large text;
- after paying and taking the receipt, the citizen rates the visit "good", agrees "easy"
  and taps "finish".

Arguments: data folder, backend URL, plate, a licence that is not the owner's, the owner's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness import run_kiosk, show, watch


def play(config: Any) -> dict[str, Any]:
    from kivy.app import App

    from kiosk_app.flows.keyboard import Keyboard, keystrokes
    from kiosk_app.session_view import SessionView, Step
    from kiosk_app.speech import HeadsetDetector
    from kiosk_app.walkthrough.driver import Expect, Stop, Tap

    plate, wrong_licence, owner_licence = sys.argv[3:6]
    seen: dict[str, Any] = {"plate": plate}

    def app() -> Any:
        return App.get_running_app()

    def spoken() -> list[tuple[str, str]]:
        return list(app().guidance.speaker.spoken)

    def said_all(count: int) -> Any:
        """Until ``count`` utterances were started and the last one has ended."""

        def ended(_view: SessionView) -> bool:
            process = app().guidance.speaker.process
            return len(spoken()) >= count and process is not None and process.poll() is not None

        return Expect(ended, f"utterance {count} to be spoken")

    def on_question(name: str) -> Any:
        return Expect(
            lambda v: v.step is Step.FORM and v.form is not None and v.form.field.name == name,
            f"the question {name}",
        )

    def type_keys(text: str) -> Any:
        for key in keystrokes(text, Keyboard.CODE):
            yield Tap("form", f"key_{key}", key=True)

    def visible(widget: Any) -> bool:
        """Whether a person sees ``widget``: it and every parent drawn, with some height."""
        node = widget
        while node is not None:
            if getattr(node, "opacity", 1) == 0:
                return False
            parent = getattr(node, "parent", None)
            node = parent if parent is not node else None
        return bool(widget.height > 0 and widget.width > 0)

    def form_seen() -> dict[str, Any]:
        form = app().root.get_screen("form")
        return {
            "question": form.ids.question.text,
            "typed": form.ids.typed.text,
            "message": form.ids.message.text,
            "question_font_size": form.ids.question.font_size,
            "large_text_button": form.ids.topbar.ids.large_text.text,
            "text_scale": app().text_scale,
            "language": app().language,
        }

    def script() -> Any:
        yield Tap("attract", "start")
        yield Tap("language", "lang_fr")
        yield Expect(lambda v: v.step is Step.MENU, "the menu")
        seen["spoken_before_listen"] = spoken()

        # Spoken guidance, asked for on the menu.
        yield Tap("menu", "listen")
        yield said_all(1)
        seen["spoken_on_menu"] = spoken()
        yield Tap("menu", "service_registration_renewal")
        yield on_question("lookup_by")
        yield said_all(2)
        seen["spoken_on_first_question"] = spoken()
        seen["wav_files"] = sorted(str(p) for p in app().ui.speech_wav_dir.glob("*.wav"))

        yield Tap("form", "choose_plate")
        yield on_question("plate")
        yield from type_keys(plate)
        yield Tap("form", "proceed")
        yield on_question("licence_number")

        # Part of the licence typed: switching language and large text keep it.
        yield from type_keys(wrong_licence[:6])
        yield Expect(lambda v: v.form is not None and len(v.form.typed) == 6, "six keys")
        seen["licence_typed_fr"] = form_seen()
        yield Tap("form", "switch_language")
        yield Expect(lambda v: v.language == "en", "English")
        seen["licence_typed_en"] = form_seen()
        yield Tap("form", "switch_language")
        yield Expect(lambda v: v.language == "fr", "French again")
        yield Tap("form", "large_text")
        yield Expect(lambda _v: app().text_scale != 1.0, "large text")
        seen["large_text_on"] = form_seen()
        yield Tap("form", "large_text")
        yield Expect(lambda _v: app().text_scale == 1.0, "normal text")
        seen["large_text_off"] = form_seen()

        # The rest of a licence that is not the owner's: refused, back on the question.
        yield from type_keys(wrong_licence[6:])
        yield Tap("form", "proceed")
        view = yield Expect(lambda v: v.step is not Step.FORM or bool(v.message), "the refusal")
        seen["refused_step"] = view.step.value
        seen["refused_field"] = view.form.field.name if view.form else None
        seen["refused"] = form_seen()
        if view.step is not Step.FORM:
            yield Stop("not refused", completed=False)
            return

        # Erase it and type the owner's licence.
        for _ in range(len(view.form.typed)):
            yield Tap("form", "erase")
        yield Expect(lambda v: v.form is not None and v.form.typed == "", "the licence erased")
        seen["erased"] = form_seen()
        yield from type_keys(owner_licence)
        yield Tap("form", "proceed")
        view = yield Expect(lambda v: v.step is Step.REVIEW or bool(v.message), "the review")
        if view.step is not Step.REVIEW:
            yield Stop(f"refused again: {view.message}", completed=False)
            return
        yield Tap("review", "confirm")
        yield Tap("payment", "tap_card")
        view = yield Expect(lambda v: v.step is Step.RECEIPT, "the receipt")
        seen["reference"] = view.record.reference if view.record else None
        seen["receipt_printed"] = view.receipt_printed
        yield Tap("receipt", "done")

        # The survey.
        yield Expect(lambda v: v.step is Step.THANK_YOU, "the thank-you screen")
        thank_you = app().root.get_screen("thank_you")
        seen["statements_shown_before_rating"] = visible(thank_you.ids.agree_easy)
        yield Tap("thank_you", "rate_good")
        yield Expect(lambda v: v.survey_rating == "good", "the rating")
        seen["statements_shown_after_rating"] = visible(thank_you.ids.agree_easy)
        yield Tap("thank_you", "agree_easy")
        yield Expect(lambda v: v.survey_agreed == frozenset({"easy"}), "easy ticked")
        seen["utterances_before_finish"] = len(spoken())
        yield Tap("thank_you", "finish")
        yield Expect(lambda v: v.step is Step.ATTRACT, "the next citizen's screen")
        yield Stop("finished", completed=True)

    def quiet_headset(app: Any) -> None:
        # A real detector over input devices that do not exist: no headset is plugged in.
        app.guidance.detector = HeadsetDetector(str(config.data_dir / "no-input" / "event*"))

    def after(app: Any, result: Any) -> None:
        seen["completed"] = result.completed
        seen["outcome"] = result.outcome
        seen["error"] = result.error
        checks = {"n": 0}

        def check(_dt: float) -> None:
            # The answer is stored off the UI thread once the visit ends: wait for it (or
            # give up after ~10 s and let the test say what is missing).
            checks["n"] += 1
            if app.kiosk.survey.counts() or checks["n"] > 200:
                seen["utterances_after_finish"] = len(app.guidance.speaker.spoken)
                seen["spoken"] = list(app.guidance.speaker.spoken)
                app.stop()

        watch(app, check)

    run_kiosk(config, script(), after, prepare=quiet_headset)
    return seen


if __name__ == "__main__":
    from kiosk_app.config import KioskConfig, UiConfig

    data = Path(sys.argv[1])
    ui = UiConfig(default_language="fr", speech="auto", speech_wav_dir=data / "speech")
    show(KioskConfig(data_dir=data, backend_url=sys.argv[2], ui=ui), play)
