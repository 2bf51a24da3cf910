"""Strategies of bad input (hypothesis), shared by the parser tests and the HTTP tests."""

from __future__ import annotations

from hypothesis import strategies as st

# Fragments people paste or attackers try: markup Slack would act on, SQL and full-text syntax,
# other scripts and digits, right-to-left and zero-width marks, control characters.
FRAGMENTS = (
    "",
    " ",
    "\x00",
    "\t",
    "\n",
    "\r\n",
    "\x1b[31m",
    "\u202e",
    "\u200b",
    "\ufeff",
    "<!channel>",
    "<!here>",
    "<@U123>",
    "<#C123|general>",
    "<https://evil.example|bấm vào>",
    "*bold*",
    "_it_",
    "~x~",
    "`code`",
    "```",
    "&amp;",
    "<script>alert(1)</script>",
    "'; DROP TABLE customers; --",
    "' OR '1'='1",
    "%_",
    "\\",
    '"',
    "a & b | !c",
    "foo:*",
    "(a <-> b)",
    "Công ty Cổ phần MISA",
    "中文公司",
    "شركة عربية",
    "😀👍🏽",
    "٠١٠١٢٤٣١٥٠",
    "０１０１２４３１５０",
    "0101243150",
    "0101243150-001",
    "1054321",
    "0912345678",
    "+84 912 345 678",
    "ketoan@misa.com.vn",
    "LT261122K7Q3M9",
    "12",
    "-1",
    "1e3",
    "99999999999999999999",
    "NaN",
    "null",
    "{}",
    "[]",
)


def _texts(characters: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    typed = st.lists(
        st.one_of(st.text(characters, max_size=12), st.sampled_from(FRAGMENTS)), max_size=8
    ).map("".join)
    long_text = st.builds(
        lambda s, n: s * n, st.sampled_from(["a", "Ư", "😀", "0", " "]), st.integers(0, 5000)
    )
    return st.one_of(typed, long_text)


# Any code point, lone surrogates included (JSON can carry them as escapes).
any_text = _texts(st.one_of(st.characters(), st.characters(categories=["Cs"])))
# What Slack sends: any code point but lone surrogates (its JSON is valid UTF-8).
slack_text = _texts(st.characters(codec="utf-8"))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
cells = st.one_of(
    st.none(),
    any_text,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.decimals(allow_nan=True),
)


TRANSFER_KEYS = ("gateway", "transactionDate", "accountNumber", "content", "referenceCode")
transfer_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "id": st.one_of(st.sampled_from(["1", 17]), json_values),
            "transferType": st.one_of(st.sampled_from(["in", "out", "IN"]), json_values),
            "transferAmount": st.one_of(st.sampled_from([0, 1_000_000, 1e6, 1.5]), json_values),
        },
        optional={
            name: st.one_of(st.sampled_from(["BIDV", "LT261122K7Q3M9 thanh toan"]), json_values)
            for name in TRANSFER_KEYS
        },
    ),
)
