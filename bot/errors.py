"""Typed domain errors. Each names a message in the catalogs; handlers translate them once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class DomainError(Exception):
    """A rule said no. `key` is the catalog message id; `params` fill its placeholders."""

    default_key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.default_key
        self.params = params
        super().__init__(f"{self.key} {params}" if params else self.key)


class InvalidInput(DomainError):
    """A value typed by a person or read from a file is not acceptable.

    `field` names the input (a block id in a modal, a column in an import file).
    """

    default_key = "error.invalid"

    def __init__(self, key: str | None = None, *, field: str | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.field = field


class InvalidFields(DomainError):
    """Several inputs are wrong at once (a form's fields, an import row's columns); each error
    is shown next to its input. `errors` maps the input (a block id, a column) to its error; a
    bare catalog key stands for `InvalidInput(key, field=input)`."""

    default_key = "error.invalid"

    def __init__(self, errors: Mapping[str, DomainError | str]) -> None:
        super().__init__()
        self.errors: dict[str, DomainError] = {
            field: InvalidInput(error, field=field) if isinstance(error, str) else error
            for field, error in errors.items()
        }

    @classmethod
    def of(cls, errors: Iterable[InvalidInput]) -> InvalidFields:
        """The first error of each input, keyed by the input it names."""
        by_field: dict[str, DomainError] = {}
        for error in errors:
            by_field.setdefault(error.field or "", error)
        return cls(by_field)


class NotFound(DomainError):
    default_key = "error.not_found"


class NotEligible(DomainError):
    default_key = "error.not_eligible"


class NotAuthorized(DomainError):
    default_key = "error.not_authorized"


class AlreadyDecided(DomainError):
    default_key = "error.already_decided"
