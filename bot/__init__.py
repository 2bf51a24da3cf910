"""MISA Store chat-ops bot: the product's rules, use cases and composition root."""
