"""PostgreSQL name search: an index of adjacent word pairs for words typed together

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# "cong ty hoa binh" -> 'cong_ty' 'ty_hoa' 'hoa_binh'. Words are [a-z0-9]+ (folded names), so
# a pair can never be mistaken for a word.
PAIRS_FUNCTION = """
CREATE FUNCTION customer_name_pairs(folded text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(pair.word || '_' || pair.next)), ''::tsvector)
    FROM (
        SELECT word, lead(word) OVER (ORDER BY position) AS next
        FROM unnest(string_to_array(folded, ' ')) WITH ORDINALITY AS t(word, position)
    ) AS pair
    WHERE pair.next IS NOT NULL AND pair.word <> '' AND pair.next <> ''
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 index keeps word positions and checks phrases itself
    # Words typed together ("hoa binh") are checked against every name holding both words,
    # often tens of thousands; the pairs they form are rare, so the pair index finds the few
    # candidates directly. An expression index: nothing is stored in the table.
    op.execute(PAIRS_FUNCTION)
    op.execute(
        "CREATE INDEX ix_customers_name_pairs ON customers "
        "USING gin (customer_name_pairs(name_folded))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_customers_name_pairs")
    op.execute("DROP FUNCTION IF EXISTS customer_name_pairs(text)")
