"""The listener kernel answers what a form submission raises, once (handlers/kernel.py).

The end-to-end tests drive every form; these pin the rules themselves with a fixed language
(the kernel asks Slack for it only through `ctx.languages`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.errors import DomainError, InvalidFields, InvalidInput, NotAuthorized, NotEligible
from bot.i18n import Translator
from handlers.kernel import FormAnswers, Interaction, form
from handlers.metadata import FormSeal, RejectFormState

SEAL = FormSeal(b"test secret")
CTX: Any = SimpleNamespace(
    forms=SEAL,
    languages=SimpleNamespace(translator=lambda user: Translator("vi")),
    services=SimpleNamespace(settings=SimpleNamespace(tz=ZoneInfo("Asia/Ho_Chi_Minh"))),
)


def notice(t: Translator, text: str) -> dict[str, Any]:
    return {"type": "modal", "notice": text}


class FakeAck:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


def submit(raised: BaseException | None, answers: FormAnswers, user: str = "U1") -> dict[str, Any]:
    @form(RejectFormState, answers)
    def listener(it: Interaction[RejectFormState]) -> None:
        assert it.meta.request_id == 7
        if raised is not None:
            raise raised

    view = {
        "id": "V1",
        "private_metadata": SEAL.seal(RejectFormState(request_id=7), "U1"),
        "blocks": [{"type": "input", "block_id": "reason"}, {"type": "input", "block_id": "x"}],
    }
    ack = FakeAck()
    listener.bind(CTX)(ack=ack, body={"user": {"id": user}, "view": view}, client=None)
    (call,) = ack.calls
    return call


NOTICE = FormAnswers(notice)
INLINE = FormAnswers(notice, trouble_at="x", refusals_at="reason")


def test_a_submission_that_raises_nothing_closes_the_modal() -> None:
    assert submit(None, NOTICE) == {}


def test_invalid_inputs_are_shown_under_them() -> None:
    raised = InvalidFields({"reason": "approval.reason_required", "x": InvalidInput("email.empty")})
    call = submit(raised, NOTICE)
    assert call["response_action"] == "errors" and set(call["errors"]) == {"reason", "x"}
    field = submit(InvalidInput("approval.reason_required", field="reason"), NOTICE)
    assert set(field["errors"]) == {"reason"}


@pytest.mark.parametrize("answers", [NOTICE, INLINE])
def test_not_authorized_replaces_the_form(answers: FormAnswers) -> None:
    call = submit(NotAuthorized("error.not_authorized"), answers)
    assert call["response_action"] == "update" and call["view"]["notice"]


def test_other_refusals_go_where_the_form_says() -> None:
    assert submit(NotEligible("storage.open_order"), NOTICE)["response_action"] == "update"
    assert set(submit(NotEligible("storage.open_order"), INLINE)["errors"]) == {"reason"}


def test_a_form_opened_for_someone_else_is_refused() -> None:
    notice_call = submit(None, NOTICE, user="U2")
    assert notice_call["view"]["notice"] == Translator("vi")("error.not_your_form")
    inline = submit(None, INLINE, user="U2")
    assert inline["errors"] == {"x": Translator("vi")("error.not_your_form")}


def test_a_surprise_gets_a_reference(caplog: pytest.LogCaptureFixture) -> None:
    inline = submit(RuntimeError("boom"), INLINE)
    assert set(inline["errors"]) == {"x"}
    shown = submit(KeyError("boom"), NOTICE)["view"]["notice"]
    logged = [r for r in caplog.records if r.exc_info and "ref=" in r.getMessage()]
    assert len(logged) == 2 and logged[-1].getMessage().split("ref=")[1].split()[0] in shown


def test_a_plain_domain_error_is_never_unexpected() -> None:
    call = submit(DomainError("error.generic"), NOTICE)
    assert call["view"]["notice"] == Translator("vi")("error.generic")


def test_the_reference_of_a_surprise_is_the_request_id() -> None:
    """The reference a person quotes finds every log line of their request."""
    from bot.i18n import Translator
    from bot.logs import bound
    from handlers.errors import unexpected_text

    with bound(request_id="0a1b2c3d4e5f"):
        text = unexpected_text(Translator("vi"), RuntimeError("boom"), "a test")
    assert "0A1B2C3D4E5F" in text
