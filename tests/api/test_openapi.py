"""`GET /api/v1/openapi.json`: a valid OpenAPI 3.1 document that covers the whole surface.

`openapi-spec-validator` is not installed; the document is validated with the OpenAPI 3.1
meta-schema schemathesis ships (the one schemathesis itself refuses invalid documents with),
and every Schema Object in it against the JSON Schema 2020-12 meta-schema, both through
`jsonschema_rs`.
"""

from __future__ import annotations

import ast
import importlib.util
import re

import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from app.api import surfaces
from app.api.idempotency import parse_key
from app.api.openapi import IDEMPOTENCY_KEY_SCHEMA, response_name
from app.api.principal import MUTATING
from app.errors import ApiError, registry

PREFIX = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Codes a v1 request can end with that no code path of the surface names literally:
# werkzeug raises 413 while the pipeline reads an oversized body (MAX_CONTENT_LENGTH), and
# the pipeline turns it into `payload_too_large`.
RAISED_BY_WERKZEUG = {"payload_too_large"}
# Codes the router answers before any operation runs (a method the path does not have):
# an OpenAPI operation cannot document them. Listed so adding one is a visible decision.
ROUTING_ONLY = {"method_not_allowed"}


@pytest.fixture
def document(client) -> dict:
    response = client.get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    return response.json


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _response(document: dict, response: dict) -> dict:
    """A response, its `$ref` to `components/responses` resolved."""
    return _resolve(document, response["$ref"]) if "$ref" in response else response


def _problem_responses(document: dict, operation: dict):
    for status, response in operation["responses"].items():
        if "application/problem+json" in _response(document, response).get("content", {}):
            yield int(status), response


def _documented_codes(operation: dict, status: int) -> list[str]:
    """The codes an operation documents for a problem status (`x-problem-codes`)."""
    return operation["x-problem-codes"][str(status)]


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _resolve(document: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _schema_objects(document: dict):
    """Every Schema Object of the document: components, parameters, headers, media types."""
    for name, schema in document["components"]["schemas"].items():
        yield f"components.schemas.{name}", schema
    for name, header in document["components"].get("headers", {}).items():
        yield f"components.headers.{name}", header["schema"]
    for path, method, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            yield f"{method} {path} parameter {parameter['name']}", parameter["schema"]
        bodies = [operation.get("requestBody", {})] + list(operation["responses"].values())
        for body in bodies:
            for media_type, content in body.get("content", {}).items():
                yield f"{method} {path} {media_type}", content["schema"]
            for name, header in body.get("headers", {}).items():
                if "schema" in header:
                    yield f"{method} {path} header {name}", header["schema"]


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"
              for e in OPENAPI_31_VALIDATOR.iter_errors(document)]
    assert errors == []


def test_every_schema_object_is_valid_json_schema_2020_12(document):
    invalid = {}
    for where, schema in _schema_objects(document):
        try:
            jsonschema_rs.meta.validate(schema)
        except jsonschema_rs.ValidationError as exc:
            invalid[where] = exc.message
    assert invalid == {}


def test_every_pattern_compiles_as_the_validators_regex(document):
    """Schemathesis and clients compile `pattern` as ECMA regexes; each one must compile."""
    broken = {}
    for path, node in _walk(document):
        if path and path[-1] == "pattern" and isinstance(node, str):
            try:
                jsonschema_rs.validator_for({"type": "string", "pattern": node})
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                broken["/".join(map(str, path))] = str(exc)
    assert broken == {}


def test_every_reference_resolves(document):
    refs = [(path, node["$ref"]) for path, node in _walk(document)
            if isinstance(node, dict) and isinstance(node.get("$ref"), str)]
    assert refs, "the document is expected to use $ref"
    for path, ref in refs:
        try:
            _resolve(document, ref)
        except (KeyError, IndexError, TypeError):
            pytest.fail(f"{'/'.join(map(str, path))}: unresolvable $ref {ref}")


def test_every_v1_route_is_documented_with_its_method(app, document):
    documented = {(path, method.upper()) for path, method, _ in _operations(document)}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        # HEAD and OPTIONS are answered by Flask for every GET route; they are not operations.
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert missing == []


def test_every_documented_operation_is_a_registered_route(app, document):
    adapter = app.url_map.bind("localhost")
    phantom = []
    for path, method, _ in _operations(document):
        concrete = re.sub(r"\{[a-z_]+\}", "x", path)
        try:
            adapter.match(concrete, method=method.upper())
        except Exception:  # noqa: BLE001 - NotFound / MethodNotAllowed are the finding
            phantom.append(f"{method.upper()} {path}")
    assert phantom == []


def test_operation_ids_are_unique(document):
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))


def test_every_authenticated_operation_documents_401_and_429_problems(document):
    lacking = []
    for path, method, operation in _operations(document):
        if operation.get("security", document["security"]) == []:
            continue  # public: never asks for a key, never rate limited
        statuses = {status for status, _ in _problem_responses(document, operation)}
        for needed in (401, 429):
            if needed not in statuses:
                lacking.append(f"{method.upper()} {path}: {needed}")
    assert lacking == []


def test_only_the_document_itself_is_public(document):
    public = [f"{method.upper()} {path}" for path, method, operation in _operations(document)
              if operation.get("security", document["security"]) == []]
    assert public == [f"GET {PREFIX}/openapi.json"]


def test_every_operation_documents_a_500_problem(document):
    lacking = [f"{method.upper()} {path}" for path, method, operation in _operations(document)
               if 500 not in {status for status, _ in _problem_responses(document, operation)}]
    assert lacking == []


def test_problem_responses_are_shared_problems_with_their_status_and_codes(document):
    """Each problem status is one `components/responses` entry whose schema is `Problem`
    (no `allOf`/`const`, which generators cannot merge); the operation's reference names
    its own codes, all of them registered with that status and listed by the shared entry."""
    known = registry()
    shared = document["components"]["responses"]
    for path, method, operation in _operations(document):
        documented = set()
        for status, response in _problem_responses(document, operation):
            assert response["$ref"] == f"#/components/responses/{response_name(status)}"
            target = shared[response_name(status)]
            content = target["content"]["application/problem+json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
            codes = _documented_codes(operation, status)
            assert codes, f"{method} {path} {status}"
            assert {known[code].status for code in codes} == {status}
            assert set(codes) <= set(re.findall(r"`([a-z_]+)`", target["description"]))
            assert set(codes) <= set(content["examples"])
            # The human-readable description names exactly the same codes.
            assert re.findall(r"`([a-z_]+)`", response["description"]) == codes
            documented.add(str(status))
        assert set(operation["x-problem-codes"]) == documented, f"{method} {path}"


def test_shared_problem_examples_carry_their_code_and_status(document):
    for name, response in document["components"]["responses"].items():
        for code, example in response["content"]["application/problem+json"][
                "examples"].items():
            assert example["value"]["code"] == code, name
            assert response_name(example["value"]["status"]) == name


def test_every_response_documents_the_request_id_header(document):
    request_id = document["components"]["headers"]["Request-Id"]
    assert request_id["required"] is True
    for path, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            response = _response(document, response)
            assert response["headers"]["Request-Id"] == {
                "$ref": "#/components/headers/Request-Id"}, f"{method} {path} {status}"


def test_rate_limited_responses_document_a_required_retry_after(document):
    for path, method, operation in _operations(document):
        for status, response in _problem_responses(document, operation):
            if status == 429:
                headers = _response(document, response)["headers"]
                assert headers["Retry-After"]["required"] is True, path


def test_every_mutating_operation_documents_the_idempotency_key_header(document):
    lacking = []
    for path, method, operation in _operations(document):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if method.upper() in MUTATING:
            key = headers.get("Idempotency-Key")
            if key is None or key["required"] or key["schema"] != IDEMPOTENCY_KEY_SCHEMA:
                lacking.append(f"{method.upper()} {path}")
        else:
            assert "Idempotency-Key" not in headers, f"{method} {path}"
    assert lacking == []


@pytest.mark.parametrize("value", [
    "k", "order-42", "a" * 255, '"quoted-key"', '"' + "a" * 255 + '"',
    "~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
    "", "a" * 256, '"' + "a" * 256 + '"', '""', 'in"side', '"unbalanced', "with space",
    "tab\there", "caf\u00e9", '"a"b"',
])
def test_the_documented_idempotency_key_is_exactly_what_the_server_accepts(value):
    documented = jsonschema_rs.validator_for(IDEMPOTENCY_KEY_SCHEMA).is_valid(value)
    try:
        parse_key(value)
        accepted = True
    except ApiError as error:
        assert error.entry.code == "invalid_idempotency_key"
        accepted = False
    assert documented == accepted


def test_every_documented_code_is_registered_with_the_documented_status(document):
    known = registry()
    wrong = []
    for path, method, operation in _operations(document):
        for status, response in _problem_responses(document, operation):
            for code in _documented_codes(operation, status):
                if code not in known:
                    wrong.append(f"{method.upper()} {path}: {code} is not registered")
                elif known[code].status != status:
                    wrong.append(f"{method.upper()} {path}: {code} is {known[code].status}, "
                                 f"documented under {status}")
    assert wrong == []


# --- which codes the surface can emit, computed from its source -----------------------------


def _module_file(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return spec.origin


def _imported_modules(name: str, tree: ast.Module):
    """The `app.*` modules a module imports (`from pkg import mod` names the module itself)."""
    filename = _module_file(name)
    package = name if filename.endswith("__init__.py") else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if _module_file(submodule) else base


def _v1_code_paths(app) -> set[str]:
    """The modules a /api/v1 request can run: the routes' modules and everything they import.

    The top-level `app` package (the factory) and `app.api.surfaces` (which wire every
    surface) and the registry in `app.errors` are not followed: a v1 request runs the v1
    surface's own authenticator and the pipeline. `app.api.openapi` is left out because it
    is the document.
    """
    start = {app.view_functions[rule.endpoint].__module__ for rule in app.url_map.iter_rules()
             if rule.rule.startswith(PREFIX + "/")}
    start |= {surfaces.v1.authenticate.__module__, "app.api.pipeline"}
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen or not name.startswith("app.") or name in ("app.api.openapi",
                                                                    "app.api.surfaces"):
            continue
        filename = _module_file(name)
        if filename is None:
            continue
        seen.add(name)
        with open(filename, encoding="utf-8") as source:
            todo.extend(_imported_modules(name, ast.parse(source.read())))
    return seen


def _codes_named_in(modules: set[str]) -> dict[str, set[str]]:
    """Registered codes written as string literals in these modules, with where."""
    known = registry()
    found: dict[str, set[str]] = {}
    for name in modules - {"app.errors"}:
        with open(_module_file(name), encoding="utf-8") as source:
            tree = ast.parse(source.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in known:
                found.setdefault(node.value, set()).add(name)
    return found


def test_the_code_scan_sees_the_v1_surface_and_not_the_other_surfaces(app):
    modules = _v1_code_paths(app)
    for expected in ("app.api.pipeline", "app.api.authn.keys", "app.api.validation",
                     "app.services.inbox.contacts", "app.services.pagination"):
        assert expected in modules
    assert not any(m.startswith(("app.admin", "app.hooks", "app.api.mobile",
                                 "app.api.internal")) for m in modules)


def test_every_code_the_v1_surface_can_emit_is_documented(app, document):
    emittable = set(_codes_named_in(_v1_code_paths(app))) | RAISED_BY_WERKZEUG
    documented = {code for _, _, operation in _operations(document)
                  for status, _ in _problem_responses(document, operation)
                  for code in _documented_codes(operation, status)}
    assert sorted(emittable - documented) == []
    # And nothing is documented that no v1 code path can produce.
    assert sorted(documented - emittable) == []


def test_codes_left_undocumented_are_only_answered_by_routing(app, client):
    """The one registered code v1 answers outside any operation: a wrong method."""
    emittable = set(_codes_named_in(_v1_code_paths(app)))
    assert ROUTING_ONLY.isdisjoint(emittable)
    response = client.put(PREFIX + "/balance")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "method_not_allowed"
