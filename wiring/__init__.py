"""The composition root, above the layers: the app factory, the HTTP server and the CLI.

It is the one package that knows `bot`, `handlers` and `storage` together; nothing in those
imports it (`python -m bot` reaches it through `bot/__main__.py`).
"""
