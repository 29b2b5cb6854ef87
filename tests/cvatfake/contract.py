# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CVAT's REST API contract: the OpenAPI 3.0 schema of the target release (tests/fixtures/cvat-release).

``Contract.operation(method, path)`` finds the operation a request addresses; ``check_request`` and
``check_response`` validate bodies against the schema's request and response schemas (readOnly fields
may not be sent, writeOnly ones are never returned). A wrong field name, type or enum value is a
violation, so a module that builds a wrong body fails its test, and so does a fake that answers wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

RELEASE = "v2.73.0"
SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "cvat-release" / RELEASE / "schema.yml"
BASE_URI = "urn:cvat-schema"
JSON_TYPES = ("application/vnd.cvat+json", "application/json")


class ContractViolation(AssertionError):
    pass


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]

    @property
    def operation_id(self) -> str:
        return self.spec["operationId"]


def close_objects(node: Any) -> Any:
    """Make every object schema with ``properties`` reject other keys, unless it says otherwise (and let
    nullable references be null).

    drf-spectacular leaves ``additionalProperties`` out, which would let a misspelled field pass; CVAT's
    serializers ignore unknown fields silently, which is worse: the setting would be lost without an
    error. CVAT's schema combines objects only through oneOf/anyOf of complete alternatives, never
    allOf of partial ones, so closing each object is safe.
    """
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        if node.get("nullable") and "allOf" in node:
            # drf-spectacular's nullable reference, {allOf: [$ref], nullable: true}: the validator applies
            # nullable to the wrapper only, and the referenced schema then rejects null. Say "null or that".
            node["anyOf"] = [{"allOf": node.pop("allOf")}, {"enum": [None], "nullable": True}]
        for value in node.values():
            close_objects(value)
    elif isinstance(node, list):
        for value in node:
            close_objects(value)
    return node


class Contract:
    def __init__(self, path: Path = SCHEMA) -> None:
        self.document = close_objects(yaml.safe_load(path.read_text(encoding="utf-8")))
        self.registry = Registry().with_resource(BASE_URI, Resource.from_contents(self.document, default_specification=DRAFT4))

    @property
    def version(self) -> str:
        return self.document["info"]["version"]

    @cached_property
    def _routes(self) -> list[tuple[re.Pattern[str], str]]:
        routes = []
        for template in self.document["paths"]:
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "/?$"
            routes.append((re.compile(pattern), template))
        # Literal segments win over parameters: /api/requests/{id} must not take /api/requests/cancel.
        return sorted(routes, key=lambda route: route[1].count("{"))

    def operation(self, method: str, path: str) -> Operation:
        for pattern, template in self._routes:
            if pattern.match(path):
                spec = self.document["paths"][template].get(method.lower())
                if spec is None:
                    raise ContractViolation(f"{method} {path}: the schema has no {method} on {template}")
                return Operation(method.upper(), template, spec)
        raise ContractViolation(f"{method} {path}: no such path in CVAT {self.version}'s schema")

    def _validate(self, validator_class, schema: dict[str, Any], body: Any, where: str) -> None:
        validator = validator_class(schema, registry=self.registry)
        error = best_match(validator.iter_errors(body))
        if error is not None:
            location = "/".join(str(p) for p in error.absolute_path) or "(body)"
            raise ContractViolation(f"{where}: {location}: {error.message}")

    @staticmethod
    def _json_schema(content: dict[str, Any]) -> dict[str, Any] | None:
        for media_type in JSON_TYPES:
            if media_type in content:
                return content[media_type].get("schema")
        return None

    @staticmethod
    def _ref(schema: dict[str, Any]) -> dict[str, Any]:
        # Relative references resolve against the registered document.
        if "$ref" in schema and schema["$ref"].startswith("#"):
            return {"$ref": BASE_URI + schema["$ref"]}
        return schema

    def check_query(self, operation: Operation, query: dict[str, str]) -> None:
        known = {p["name"] for p in operation.spec.get("parameters", []) if p.get("in") == "query"}
        unknown = sorted(set(query) - known)
        if unknown:
            raise ContractViolation(f"{operation.method} {operation.template}: unknown query parameter(s) {unknown}")
        for parameter in operation.spec.get("parameters", []):
            if parameter.get("in") == "query" and parameter.get("required") and parameter["name"] not in query:
                raise ContractViolation(f"{operation.method} {operation.template}: query parameter {parameter['name']} is required")
            schema = parameter.get("schema", {})
            if parameter.get("in") == "query" and parameter["name"] in query and "enum" in schema:
                if query[parameter["name"]] not in schema["enum"]:
                    value = query[parameter["name"]]
                    raise ContractViolation(f"{operation.method} {operation.template}: {parameter['name']}={value!r} not in {schema['enum']}")

    def check_request(self, operation: Operation, body: Any) -> None:
        request_body = operation.spec.get("requestBody")
        where = f"{operation.method} {operation.template} request"
        if request_body is None:
            if body is not None:
                raise ContractViolation(f"{where}: the operation takes no body")
            return
        schema = self._json_schema(request_body.get("content", {}))
        if body is None:
            if request_body.get("required"):
                raise ContractViolation(f"{where}: a body is required")
            return
        if schema is not None:
            self._validate(OAS30WriteValidator, self._ref(schema), body, where)

    def check_response(self, operation: Operation, status: int, body: Any) -> None:
        responses = operation.spec.get("responses", {})
        where = f"{operation.method} {operation.template} response {status}"
        if status >= 400:
            return  # the schema documents no error bodies; CVAT sends DRF's {"detail": ...}
        spec = responses.get(str(status))
        if spec is None:
            raise ContractViolation(f"{where}: status not documented (documented: {sorted(responses)})")
        schema = self._json_schema(spec.get("content", {}))
        if schema is not None:
            self._validate(OAS30ReadValidator, self._ref(schema), body, where)
