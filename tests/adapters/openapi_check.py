"""Checks recorded requests against an OpenAPI document (used by the *_spec tests).

A request must match a path template with that method (a literal segment beats a template
one: ``/request/count`` before ``/request/{requestId}``); every path and query parameter
must be declared for that operation with a value its schema allows (enum, number,
integer); a JSON body may only use declared, writable properties.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
Call = tuple[str, str, dict[str, str]]  # method, path, query


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: dict[tuple[str, str], dict[str, Any]]  # (in, name) -> resolved schema
    body: dict[str, Any] | None  # resolved JSON request body schema

    @property
    def literal_length(self) -> int:
        return len(re.sub(r"\{[^}]+\}", "", self.template))


def value_problem(value: str, schema: dict[str, Any]) -> str | None:
    if "enum" in schema and value not in [str(v) for v in schema["enum"]]:
        return f"{value!r} is not one of {schema['enum']}"
    if schema.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
        return f"{value!r} is not an integer"
    if schema.get("type") == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return f"{value!r} is not a number"
    return None


class OpenApiSpec:
    def __init__(self, document: dict[str, Any], *, name: str, root: str = "") -> None:
        self.document, self.name, self.root = document, name, root

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].removeprefix("#/components/schemas/")
            schema = self.document["components"]["schemas"][name]
        return schema

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        found = []
        for template, item in self.document["paths"].items():
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            for method, op in item.items():
                if method not in METHODS:
                    continue
                declared = [*item.get("parameters", []), *op.get("parameters", [])]
                parameters = {
                    (p["in"], p["name"]): self.resolve(p.get("schema", {})) for p in declared
                }
                content = op.get("requestBody", {}).get("content", {})
                body = content.get("application/json", {}).get("schema")
                body = self.resolve(body) if body else None
                found.append(
                    Operation(method.upper(), template, re.compile(f"^{regex}$"), parameters, body)
                )
        return tuple(sorted(found, key=lambda op: -op.literal_length))

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        relative = path.removeprefix(self.root)
        for op in self.operations:
            found = op.pattern.match(relative)
            if op.method == method and found:
                return op, found.groupdict()
        return None

    def violations(self, calls: Sequence[Call]) -> list[str]:
        problems = []
        for method, path, query in calls:
            matched = self.match(method, path)
            if matched is None:
                problems.append(f"{method} {path}: no such operation in {self.name}")
                continue
            op, path_values = matched
            values = [("path", k, v) for k, v in path_values.items()]
            values += [("query", k, v) for k, v in query.items()]
            for where, name, value in values:
                if (where, name) not in op.parameters:
                    problems.append(
                        f"{method} {op.template}: {where} parameter {name!r} undeclared"
                    )
                elif problem := value_problem(value, op.parameters[(where, name)]):
                    problems.append(f"{method} {op.template}: {where} {name}: {problem}")
        return problems

    def operations_used(self, calls: Sequence[Call]) -> set[tuple[str, str]]:
        return {(m, found[0].template) for m, p, _ in calls if (found := self.match(m, p))}

    def body_violations(
        self, schema: dict[str, Any], body: Any, where: str, allowed: set[str]
    ) -> list[str]:
        """Properties the schema lacks or marks read-only; enum values it does not list."""
        schema = self.resolve(schema)
        if "enum" in schema:
            return [] if body in schema["enum"] else [f"{where}: {body!r} not in {schema['enum']}"]
        if schema.get("type") == "array" and isinstance(body, list):
            return [
                p
                for item in body
                for p in self.body_violations(schema["items"], item, where, allowed)
            ]
        if not isinstance(body, dict) or "properties" not in schema:
            return []
        problems = []
        for name, value in body.items():
            prop = schema["properties"].get(name)
            path = f"{where}.{name}"
            if prop is None:
                problems.append(f"{path}: not a property of the schema")
            elif prop.get("readOnly") and path not in allowed:
                problems.append(f"{path}: read-only")
            else:
                problems += self.body_violations(prop, value, path, allowed)
        return problems
