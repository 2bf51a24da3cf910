"""bolt's synchronous App served from the event loop with one thread hand-off per request.

bolt's own way (`process_before_response=False`) costs two: the request's thread submits the
listener to another pool and then polls every 10 ms until the listener acknowledges. Here the
App runs its listeners in the request's own thread (`process_before_response=True`), and the
request's `ack` hands its response to the waiting HTTP request the moment it is called; the
listener goes on in its thread (opening a modal, sending a DM) after Slack has its answer.
A request no listener acknowledges (a middleware's answer, no listener, an error) is answered
with what `dispatch` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse


class AnsweringAck(Ack):
    """bolt's `ack`, which also passes its response on as soon as it is called."""

    def __init__(self, answer: Callable[[BoltResponse], None]) -> None:
        super().__init__()
        self._answer = answer

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        self._answer(response)
        return response


def acknowledge_events_at_once(app: App) -> None:
    """Events API deliveries are acknowledged before their listener runs, as bolt does when it
    runs listeners in their own threads (Slack retries an event not answered within 3 s)."""

    @app.middleware
    def events_at_once(body: dict[str, Any], ack: Ack, next: Callable[[], Any]) -> Any:
        if body.get("type") == "event_callback":
            ack()
        return next()


async def dispatch(app: App, request: BoltRequest, threads: Executor) -> BoltResponse:
    """`app.dispatch(request)` in one of `threads`; returns the response Slack is to get, at
    the listener's `ack` (the listener may still be running) or when dispatch ends."""
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[BoltResponse] = loop.create_future()

    def settle(outcome: BoltResponse | BaseException) -> None:
        if answered.done():  # the first answer counts; a cancelled request wants none
            return
        if isinstance(outcome, BaseException):
            answered.set_exception(outcome)
        else:
            answered.set_result(outcome)

    def from_thread(outcome: BoltResponse | BaseException) -> None:
        # A closed loop: the server is gone and nobody is waiting.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, outcome)

    def ended(work: Future[BoltResponse]) -> None:
        error = work.exception()
        from_thread(error if error is not None else work.result())

    request.context["ack"] = AnsweringAck(from_thread)
    threads.submit(app.dispatch, request).add_done_callback(ended)
    return await answered
