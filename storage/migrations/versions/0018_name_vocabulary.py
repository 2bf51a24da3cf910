"""PostgreSQL name search: the words of every name, so an unfinished word becomes whole words

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

A tsquery prefix (`bac:*`) makes the GIN index read and merge the posting lists of every word
starting so before it can intersect them with the other words' (30-60 ms at a million names
when one of them is common: `con:*` reads all of `cong`). The same words named one by one
(`bac | bach`) are ordinary entries, which the index skips through from the rarest word's
list. This table lists every word of every name (a few thousand in practice) so the search
can name them; triggers add the words of names inserted or changed, one statement per
statement (a whole import batch at once). Words of names deleted or renamed stay: an entry
no name holds costs one index probe. SQLite's FTS5 keeps its own prefix indexes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Sorted, so that two transactions adding the same new words take their locks in one order.
ADD_WORDS = """
CREATE FUNCTION customer_name_vocabulary_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customer_name_vocabulary (word)
    SELECT DISTINCT word FROM changed, unnest(tsvector_to_array(changed.name_words)) AS word
    ORDER BY word
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""
TRIGGER = (
    "CREATE TRIGGER customer_name_vocabulary_{event} AFTER {event} ON customers "
    "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
    "EXECUTE FUNCTION customer_name_vocabulary_add()"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # "C": byte order, so the words starting with a prefix are one range of the primary key.
    op.execute('CREATE TABLE customer_name_vocabulary (word text COLLATE "C" PRIMARY KEY)')
    op.execute(
        "INSERT INTO customer_name_vocabulary (word) "
        "SELECT DISTINCT unnest(tsvector_to_array(name_words)) FROM customers"
    )
    op.execute(ADD_WORDS)
    op.execute(TRIGGER.format(event="insert"))
    op.execute(TRIGGER.format(event="update"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS customer_name_vocabulary_update ON customers")
    op.execute("DROP TRIGGER IF EXISTS customer_name_vocabulary_insert ON customers")
    op.execute("DROP FUNCTION IF EXISTS customer_name_vocabulary_add()")
    op.execute("DROP TABLE IF EXISTS customer_name_vocabulary")
