"""The baseline of the end-to-end benchmark: bolt's `AsyncApp` that only acknowledges, on bolt's
own Starlette adapter, in one uvicorn process: the framework's floor, with no work at all.

    SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=... python bench/bare_app.py --port 3001

It logs as the bot does (the process's logging at LOG_LEVEL, INFO by default: uvicorn logs
every request), so that both servers pay for the same access log.
"""

from __future__ import annotations

import argparse
import logging
import os
import re

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def bare_app(signing_secret: str, client: AsyncWebClient) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.command(re.compile(".*"))
    async def on_command(ack: AsyncAck) -> None:
        await ack()

    @app.action(re.compile(".*"))
    async def on_action(ack: AsyncAck) -> None:
        await ack()

    return app


def web(app: AsyncApp) -> Starlette:
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", endpoint=events, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    args = parser.parse_args()
    level = os.environ.get("LOG_LEVEL", "INFO")
    logging.basicConfig(level=level.upper())
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    app = bare_app(os.environ["SLACK_SIGNING_SECRET"], client)
    uvicorn.run(web(app), host=args.host, port=args.port, log_level=level.lower(), log_config=None)


if __name__ == "__main__":
    main()
