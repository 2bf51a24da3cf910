"""Customer emails (the order, the payment confirmation): HTML and plain text from Jinja2
templates, the VietQR inline, sent over SMTP."""

from __future__ import annotations

from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.customer_notices import PaymentConfirmation, SupportContact
from bot.i18n import Translator
from bot.payments import PaymentInstructions
from bot.storage_orders import OrderView

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class MailPolicy(EmailPolicy):
    """`email.policy.SMTP`, except for headers with non-ASCII text.

    Python's folder (before gh-144156, early 2026) splits such a header into encoded words and
    leaves the space between two of them outside both, where RFC 2047 says a reader drops it:
    "gói dịch vụ" arrived as "góidịch vụ". Text headers are encoded by `email.header.Header`,
    which keeps every space inside an encoded word. A display name is one encoded word: readers
    disagree on the space between two encoded words in an address (Python's keeps it).
    """

    def fold(self, name: str, value: Any) -> str:
        return _fold_words(name, value, self.linesep) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = _fold_words(name, value, self.linesep)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)


def _fold_words(name: str, value: Any, linesep: str) -> str | None:
    text = str(value)
    if text.isascii():
        return None
    addresses = getattr(value, "addresses", None)
    if addresses is None:
        return f"{name}: {Header(text, 'utf-8', header_name=name).encode(linesep=linesep)}{linesep}"
    if not all(isinstance(a, Address) and a.addr_spec.isascii() for a in addresses):
        return None  # a group or an internationalised address: the policy's own folding
    parts = [formataddr((a.display_name, a.addr_spec), charset="utf-8") for a in addresses]
    return f"{name}: {(',' + linesep + ' ').join(parts)}{linesep}"


MAIL_POLICY = MailPolicy(linesep="\r\n")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool = False


def parse_smtp_url(url: str) -> SmtpConfig:
    """`smtp://user:pass@host:587?starttls=true` or `smtps://host:465`."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://host:25 or smtps://user:pass@host:465")
    query = parse_qs(parts.query)
    implicit = parts.scheme == "smtps"
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit,
        starttls=query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes"),
    )


def order_email(
    order: OrderView,
    payment: PaymentInstructions,
    *,
    page_url: str,
    qr_png: bytes,
    sender: str,
    support: SupportContact,
) -> EmailMessage:
    """The order confirmation the customer receives at the invoice address (Vietnamese)."""
    t = Translator("vi")
    qr_cid = make_msgid(domain="misa-store.local")
    context = {
        "order": order,
        "pay": payment,
        "page_url": page_url,
        "t": t,
        "qr_cid": qr_cid[1:-1],
        "support": support,
    }
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = t("mail.subject", order_no=order.order_no)
    message["From"] = sender
    message["To"] = Address(order.invoice.recipient_name, addr_spec=order.invoice.invoice_email)
    # The same for every send of this order: a resend after a crash is the same message, which
    # mail systems recognise and keep once.
    message["Message-ID"] = f"<order-{order.order_no}@misa-store.local>"
    message.set_content(_env.get_template("order_email.txt").render(context))
    message.add_alternative(_env.get_template("order_email.html").render(context), subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(
        qr_png, maintype="image", subtype="png", cid=qr_cid, filename=f"VietQR-{order.order_no}.png"
    )
    return message


def payment_confirmation_email(
    confirmation: PaymentConfirmation, *, page_url: str, sender: str, tz: ZoneInfo
) -> EmailMessage:
    """What the customer receives once the order is paid: the payment, the invoice to come, how
    to read the old data, whom to call (Vietnamese)."""
    t = Translator("vi")
    order = confirmation.order
    context = {"c": confirmation, "order": order, "page_url": page_url, "t": t, "tz": tz}
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = t("paid_mail.subject", order_no=order.order_no)
    message["From"] = sender
    message["To"] = Address(order.invoice.recipient_name, addr_spec=order.invoice.invoice_email)
    # Stable: a resend after a crash is recognised as the same message.
    message["Message-ID"] = f"<paid-{order.order_no}@misa-store.local>"
    message.set_content(_env.get_template("paid_email.txt").render(context))
    message.add_alternative(_env.get_template("paid_email.html").render(context), subtype="html")
    return message
