"""Flat routes: each path operation sits directly on the app's router.

An included router is kept as a branch of the app's router by FastAPI, and every request then walks the branches and
combines their prefixes, dependencies and limits again. Copying each route onto the router above it, with the
prefix and the dependencies it would have inherited, gives the same path operations (and the same OpenAPI document)
matched in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from fastapi.params import Depends
from fastapi.routing import APIRoute


def include_flat(target: APIRouter, router: APIRouter, prefix: str = "",
                 dependencies: Sequence[Depends] = ()) -> None:
    """Adds ``router``'s routes to ``target`` as its own, under ``prefix``, each depending on ``dependencies`` first.

    A router holding anything but path operations (an included router, a mount) is included as FastAPI includes it.
    """
    if not all(isinstance(route, APIRoute) for route in router.routes):
        target.include_router(router, prefix=prefix, dependencies=list(dependencies))
        return
    for route in router.routes:
        assert isinstance(route, APIRoute)
        target.add_api_route(prefix + route.path, route.endpoint, **_options(route, dependencies))


def _options(route: APIRoute, dependencies: Sequence[Depends]) -> dict[str, Any]:
    """What ``add_api_route`` needs to make the same path operation as ``route``."""
    return {
        "response_model": route.response_model, "status_code": route.status_code, "tags": list(route.tags),
        "dependencies": [*dependencies, *route.dependencies], "summary": route.summary,
        "description": route.description, "response_description": route.response_description,
        "responses": dict(route.responses), "deprecated": route.deprecated, "methods": set(route.methods),
        "operation_id": route.operation_id, "response_model_include": route.response_model_include,
        "response_model_exclude": route.response_model_exclude,
        "response_model_by_alias": route.response_model_by_alias,
        "response_model_exclude_unset": route.response_model_exclude_unset,
        "response_model_exclude_defaults": route.response_model_exclude_defaults,
        "response_model_exclude_none": route.response_model_exclude_none,
        "include_in_schema": route.include_in_schema, "response_class": route.response_class, "name": route.name,
        "route_class_override": type(route), "callbacks": route.callbacks, "openapi_extra": route.openapi_extra,
        "generate_unique_id_function": route.generate_unique_id_function,
    }
