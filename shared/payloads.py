"""A contract's payload as JSON data, taken straight from a domain event's values when the contract allows it.

The published ``data`` of an event is ``contract.from_event(values).model_dump(mode="json")``: pydantic checks the
values against the contract, then dumps them. For a contract made only of plain fields (``str``, ``int``, ``bool``,
``float``, ``date``, ``UUID``, those ``| None`` or in a ``list``, and nested parts made the same way) without
constraints, aliases, validators or serializers, and for values that round trip gives back unchanged (values of
exactly the field's type, dates and UUIDs as their text; a UUID's canonical text; in a ``float`` field, an integer a
float holds exactly, as that float), ``data`` builds the same data directly, without the two passes. Anything else
(a ``bool`` in an ``int`` field, a ``datetime`` in a ``date`` field, a tuple for a list, upper-case UUID text, a
missing field, a non-finite float, a contract with a constraint) goes through pydantic as before, so the data, and
the bytes published, are the same either way (``tests/unit/shared/test_payloads.py`` checks every contract of every
service; the services' pinned stories check their real events).
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from shared.contracts import Contract

Convert = Callable[[Any], Any]
_PLAIN_CONFIG = {"frozen", "extra"}
_EXACT_INTS = 2**53  # integers a float holds exactly
_UUID_TEXT = 36  # the length of a UUID's canonical text (lower-case hex and hyphens)


class NotPlain(Exception):
    """A value the direct path does not take: pydantic's path handles it."""


def data(contract: type[Contract], values: dict[str, Any]) -> dict[str, Any]:
    """The payload's JSON data: ``contract.from_event(values).model_dump(mode="json")``, built directly when plain."""
    convert = plan(contract)
    if convert is not None:
        try:
            return convert(values)
        except NotPlain:
            pass
    return contract.from_event(values).model_dump(mode="json")


@cache
def plan(model: type[BaseModel]) -> Convert | None:
    """The direct conversion of a model's values into its JSON data, or None if a field is not plain."""
    if not _plain_model(model):
        return None
    fields = []
    for name, field in model.model_fields.items():
        convert = _field(field.annotation)
        if convert is None or not _plain_field(field):
            return None
        fields.append((name, convert))

    def convert_model(values: Any) -> dict[str, Any]:
        if type(values) is not dict:
            raise NotPlain
        try:
            return {name: convert(values[name]) for name, convert in fields}
        except KeyError:  # a missing field: pydantic takes its default or refuses
            raise NotPlain from None

    return convert_model


def _plain_model(model: type[BaseModel]) -> bool:
    config = model.model_config
    decorators = model.__pydantic_decorators__
    return (set(config) <= _PLAIN_CONFIG and config.get("extra", "ignore") == "ignore"
            and not model.__private_attributes__ and not model.model_computed_fields
            and not any((decorators.validators, decorators.field_validators, decorators.root_validators,
                         decorators.field_serializers, decorators.model_serializers, decorators.model_validators,
                         decorators.computed_fields)))


def _plain_field(field: Any) -> bool:
    return (not field.metadata and field.alias is None and field.validation_alias is None
            and field.serialization_alias is None and not field.exclude and field.discriminator is None)


def _field(annotation: Any) -> Convert | None:
    """The direct conversion of one annotation, or None if it is not plain."""
    if annotation in _EXACT:
        return _EXACT[annotation]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _field(next(a for a in args if a is not type(None)))
        return None if inner is None else _optional(inner)
    if origin is list and len(args) == 1:
        inner = _field(args[0])
        return None if inner is None else _list(inner)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return plan(annotation)
    return None


def _exact(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        if type(value) is not kind:
            raise NotPlain
        return value
    return convert


def _float(value: Any) -> float:
    if type(value) is int and -_EXACT_INTS <= value <= _EXACT_INTS:  # pydantic makes it a float, as here
        return float(value)
    if type(value) is not float or not math.isfinite(value):
        raise NotPlain
    return value


def _date(value: Any) -> str:
    if type(value) is not date:
        raise NotPlain
    return value.isoformat()


def _uuid(value: Any) -> str:
    if type(value) is UUID:
        return str(value)
    if type(value) is str and len(value) == _UUID_TEXT and _canonical_uuid(value):  # as pydantic writes it back
        return value
    raise NotPlain


def _canonical_uuid(text: str) -> bool:
    try:
        return str(UUID(text)) == text
    except ValueError:
        return False


def _optional(inner: Convert) -> Convert:
    def convert(value: Any) -> Any:
        return None if value is None else inner(value)
    return convert


def _list(inner: Convert) -> Convert:
    def convert(value: Any) -> list[Any]:
        if type(value) is not list:
            raise NotPlain
        return [inner(item) for item in value]
    return convert


_EXACT: dict[Any, Convert] = {str: _exact(str), int: _exact(int), bool: _exact(bool), float: _float, date: _date,
                              UUID: _uuid}
