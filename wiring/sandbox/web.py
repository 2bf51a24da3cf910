"""The sandbox's page (`/sandbox`) and its JSON API: what a person sees (channels, direct
messages with the bot, their modal, their Home tab, the inbox) and what they do, sent to the
bot by the emulator's people (`slack_emulator.people`) exactly as Slack sends it."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.reminders import JOB_NAMES
from bot.scheduler import run_job
from bot.services import Services
from handlers.ids import ShortcutCallback
from slack_emulator import FakeSlack
from slack_emulator.people import SignedSlack, SubmissionBlocked
from wiring.sandbox.events import EventReceiver
from wiring.sandbox.mailbox import Mailbox
from wiring.sandbox.workspace import CHANNELS, PEOPLE

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-src 'self' data:; frame-ancestors 'none'"
    ),
}
_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
)
Handler = Callable[[Request], Awaitable[Response]]
UPLOAD_PATH = "/sandbox/api/upload"


class Sandbox:
    """What the page's API works with: the emulator, the people, the mailbox, the bot's
    services."""

    def __init__(
        self,
        fake: FakeSlack,
        people: SignedSlack,
        mailbox: Mailbox,
        services: Services,
        receiver: EventReceiver | None = None,
    ) -> None:
        self.fake = fake
        self.people = people
        self.mailbox = mailbox
        self.services = services
        self.receiver = receiver
        self.user_ids = {p.user_id for p in PEOPLE}

    # -- what a person sees -------------------------------------------------------------------

    def state(self, user: str, channel: str) -> dict[str, Any]:
        messages = [self._shown(m) for m in self.fake.messages(channel)]
        for e in self.fake.ephemerals(user=user, channel=channel):
            messages.append({**self._shown(e["message"]), "ephemeral": True})
        messages.sort(key=lambda m: m["ts"])
        view = self.fake.current_view(user)
        modal = None
        if view is not None:
            modal = {
                "view": view,
                "errors": self.fake.view_errors(view["id"]),
                "depth": len(self.fake.view_stack(user)),
            }
        events = None
        if self.receiver:
            events = self.receiver.events(self.services.db, self.services.clock.tz)
        return {
            "messages": messages,
            "modal": modal,
            "home": self.fake.home_view(user),
            "emails": self.mailbox.emails(),
            "events": events,
        }

    def _shown(self, message: dict[str, Any]) -> dict[str, Any]:
        for f in message.get("files") or []:
            f["url"] = f"/sandbox/files/{f['id']}"
        user = message.get("user")
        message["author"] = (
            "MISA Store" if user == self.fake.bot_user_id else self.fake.user(user)["real_name"]
        )
        return message

    def file(self, file_id: str) -> tuple[bytes, str] | None:
        """A file's bytes, fetched as a signed-in Slack client does (with the token)."""
        obj = self.fake.file(file_id)
        if obj is None:
            return None
        answer = httpx.get(
            obj["url_private_download"],
            headers={"Authorization": f"Bearer {self.fake.bot_token}"},
            timeout=10,
        )
        return answer.content, str(obj.get("mimetype") or "application/octet-stream")

    # -- what a person does -------------------------------------------------------------------

    def command(self, user: str, channel: str, text: str) -> dict[str, Any]:
        command, _, rest = text.strip().partition(" ")
        response = self.people.command(
            rest.strip(), user_id=user, channel_id=channel, command=command
        )
        ack = _json(response)
        if isinstance(ack, dict) and (ack.get("text") or ack.get("blocks")):
            # Slack shows a command's acknowledgement to its sender, as a response_url would.
            url = self.people.last_response_url
            assert url is not None
            httpx.post(url, json=ack, timeout=10)
        elif response.status_code == 200 and response.text and not ack:
            url = self.people.last_response_url
            assert url is not None
            httpx.post(url, json={"text": response.text}, timeout=10)
        return {"status": response.status_code}

    def say(self, user: str, channel: str, text: str) -> dict[str, Any]:
        """A message typed in a channel; links to the bot's order pages are previewed by the
        bot, as Slack asks it to (`link_shared` → `chat.unfurl`)."""
        ts = self.fake.say(user, channel, text)
        base = self.services.settings.public_base_url or ""
        links = [
            word.strip("<>") for word in text.split() if base and word.strip("<>").startswith(base)
        ]
        if links:
            self.people.link_shared(links, channel=channel, message_ts=ts, user_id=user)
        return {"ts": ts}

    def shortcut(self, user: str) -> dict[str, Any]:
        """The lightning-bolt menu's "Tra cứu khách hàng" (global shortcut `lookup`)."""
        return {"status": self.people.shortcut(ShortcutCallback.LOOKUP, user_id=user).status_code}

    def action(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"block_id": body.get("block_id"), "user_id": user}
        if body.get("view_id"):
            kwargs["view"] = self.fake.view(body["view_id"])
        else:
            found = self.fake.find_message(body["ts"])
            if found is None:
                ephemeral = self.fake.find_ephemeral(body["ts"])
                if ephemeral is None:
                    return {"error": "message not found"}
                kwargs["message"] = ephemeral["message"]
            else:
                kwargs["message"] = found[1]
        for key in ("value", "selected_option", "selected_options", "selected_date"):
            if key in body:
                kwargs[key] = body[key]
        response = self.people.block_action(body["action_id"], **kwargs)
        return {"status": response.status_code}

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        view = self.fake.view(view_id)
        try:
            response = self.people.view_submission(view, values, user_id=user)
        except SubmissionBlocked as blocked:
            return {"blocked": str(blocked)}
        return {"status": response.status_code}

    def close(self, user: str, view_id: str) -> dict[str, Any]:
        view = self.fake.view(view_id)
        if view.get("notify_on_close"):
            self.people.view_closed(view, user_id=user)
        else:
            self.fake.close_view(user, view_id)
        return {"status": 200}

    def suggest(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        view = self.fake.view(body["view_id"])
        response = self.people.block_suggestion(
            body["action_id"], body["value"], block_id=body.get("block_id"), view=view, user_id=user
        )
        answer = _json(response) or {}
        return {
            "options": answer.get("options") or [],
            "option_groups": answer.get("option_groups"),
        }

    def upload(self, user: str, name: str, content: bytes, mimetype: str) -> dict[str, Any]:
        return self.fake.add_file(name, content, mimetype or None, user)

    def home(self, user: str) -> dict[str, Any]:
        return {"status": self.people.app_home_opened(user).status_code}

    def run_job(self, name: str, day: str) -> dict[str, Any]:
        settings = self.services.settings
        at = datetime.combine(date.fromisoformat(day), settings.reminder_time, settings.tz)
        outcome = run_job(self.services, name, at)
        return {"job": name, "at": at.isoformat(), "due": outcome.due, "sent": len(outcome.claimed)}


def _json(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content.strip() else None
    except ValueError:
        return None


def routes(sandbox: Sandbox) -> list[Route | Mount]:
    def person(request: Request, body: dict[str, Any] | None = None) -> str:
        user = (body or {}).get("user") or request.query_params.get("user", "")
        if user not in sandbox.user_ids:
            raise _BadRequest("unknown person")
        return str(user)

    def api(work: Callable[[Request, dict[str, Any]], Any]) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                body = json.loads(await request.body() or b"{}") if request.method == "POST" else {}
                result = await run_in_threadpool(work, request, body)
            except _BadRequest as bad:
                return JSONResponse({"error": str(bad)}, status_code=400)
            except (AssertionError, KeyError, ValueError) as exc:
                log.warning("sandbox: %s", exc)
                return JSONResponse({"error": str(exc)}, status_code=409)
            return JSONResponse(result)

        return endpoint

    async def page(_request: Request) -> Response:
        html = _templates.get_template("sandbox.html").render(
            people=PEOPLE,
            channels=CHANNELS,
            jobs=JOB_NAMES,
            # The day as the bot counts it (its time zone), not the machine's.
            today=sandbox.services.clock.today().isoformat(),
            config=json.dumps(
                {
                    "people": [{"id": p.user_id, "name": p.name, "role": p.role} for p in PEOPLE],
                    "channels": [{"id": c.channel_id, "name": c.name} for c in CHANNELS],
                    "bot": sandbox.fake.bot_user_id,
                },
                ensure_ascii=False,
            ),
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)

    async def file(request: Request) -> Response:
        found = await run_in_threadpool(sandbox.file, request.path_params["file_id"])
        if found is None:
            return Response("not found", status_code=404)
        content, mimetype = found
        return Response(content, media_type=mimetype, headers={"Cache-Control": "no-store"})

    async def upload(request: Request) -> Response:
        user = request.query_params.get("user", "")
        if user not in sandbox.user_ids:
            return JSONResponse({"error": "unknown person"}, status_code=400)
        content = await request.body()
        name = request.query_params.get("name") or "file"
        mimetype = request.headers.get("content-type", "")
        return JSONResponse(sandbox.upload(user, name, content, mimetype))

    def channel_of(request: Request, user: str) -> str:
        channel = request.query_params.get("channel", "")
        allowed = {c.channel_id for c in CHANNELS} | {"D" + user}
        if channel not in allowed:
            raise _BadRequest("unknown channel")
        return channel

    def channel_of_body(body: dict[str, Any], user: str) -> str:
        channel = str(body.get("channel", ""))
        if channel not in {c.channel_id for c in CHANNELS} | {"D" + user}:
            raise _BadRequest("unknown channel")
        return channel

    return [
        Route("/sandbox", page),
        Route(
            "/sandbox/api/state",
            api(lambda r, _b: sandbox.state(person(r), channel_of(r, person(r)))),
        ),
        Route(
            "/sandbox/api/command",
            api(lambda r, b: sandbox.command(person(r, b), b["channel"], b["text"])),
            methods=["POST"],
        ),
        Route(
            "/sandbox/api/say",
            api(
                lambda r, b: sandbox.say(person(r, b), channel_of_body(b, person(r, b)), b["text"])
            ),
            methods=["POST"],
        ),
        Route(
            "/sandbox/api/shortcut",
            api(lambda r, b: sandbox.shortcut(person(r, b))),
            methods=["POST"],
        ),
        Route(
            "/sandbox/api/action",
            api(lambda r, b: sandbox.action(person(r, b), b)),
            methods=["POST"],
        ),
        Route(
            "/sandbox/api/submit",
            api(lambda r, b: sandbox.submit(person(r, b), b["view_id"], b.get("values") or {})),
            methods=["POST"],
        ),
        Route(
            "/sandbox/api/close",
            api(lambda r, b: sandbox.close(person(r, b), b["view_id"])),
            methods=["POST"],
        ),
        Route(
            "/sandbox/api/suggest",
            api(lambda r, b: sandbox.suggest(person(r, b), b)),
            methods=["POST"],
        ),
        Route("/sandbox/api/home", api(lambda r, b: sandbox.home(person(r, b))), methods=["POST"]),
        Route(
            "/sandbox/api/jobs",
            api(lambda _r, b: sandbox.run_job(_job(b.get("name")), b["date"])),
            methods=["POST"],
        ),
        Route(UPLOAD_PATH, upload, methods=["POST"]),
        Route("/sandbox/files/{file_id}", file),
        Mount("/sandbox/static", StaticFiles(directory=HERE / "static"), name="sandbox-static"),
    ]


def _job(name: Any) -> str:
    if name not in JOB_NAMES:
        raise _BadRequest("unknown job")
    return str(name)


class _BadRequest(Exception):
    pass
