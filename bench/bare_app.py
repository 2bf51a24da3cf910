"""The baseline of the end-to-end benchmark: a bolt App that only acknowledges, served the way
`python -m bot serve` serves the bot (the same Starlette route and thread hand-off, the same
uvicorn settings and log level).

    SLACK_SIGNING_SECRET=... python bench/bare_app.py --port 3001
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App
from slack_sdk import WebClient
from starlette.applications import Starlette

from handlers.web import slack_routes
from wiring.http import serve_http


def bare_app(signing_secret: str, client: WebClient) -> App:
    app = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=False,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.command(re.compile(".*"))
    def on_command(ack: Ack) -> None:
        ack()

    @app.action(re.compile(".*"))
    def on_action(ack: Ack, body: dict[str, Any]) -> None:
        ack()

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3001)
    args = parser.parse_args()
    level = os.environ.get("LOG_LEVEL", "INFO")
    logging.basicConfig(level=level.upper())
    # bolt asks auth.test once who the bot is, as for the bot: the same Web API URL.
    client = WebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    secret = os.environ["SLACK_SIGNING_SECRET"]
    web = Starlette(routes=slack_routes(bare_app(secret, client), secret))
    serve_http(web, host=args.host, port=args.port, log_level=level)


if __name__ == "__main__":
    main()
