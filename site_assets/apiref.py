"""The API reference as Markdown, rendered at build time from the OpenAPI document.

Server-rendered on purpose: every operation, parameter, body field and response code is in
the page's HTML, readable without JavaScript and by crawlers, and generated from the same
document `GET /api/v1/openapi.json` serves, so the two cannot disagree.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus

_CODE_SPAN = re.compile(r"(`+.+?`+)")
MAX_DEPTH = 3  # nested objects are flattened to `a.b[].c` up to this depth
METHODS = ("get", "post", "put", "patch", "delete")


def operations_by_tag(document: dict) -> dict[str, list[tuple[str, str, dict]]]:
    """(path, method, operation) of every operation, grouped by first tag in document order."""
    by_tag: dict[str, list[tuple[str, str, dict]]] = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["Other"])[0]
                by_tag.setdefault(tag, []).append((path, method, operation))
    return by_tag


def render(document: dict, error_slugs: dict[str, str], tags: list[str] | None = None,
           errors_page: str = "errors.md") -> str:
    """Markdown for the operations of `document` (those of `tags`, or all), by tag.

    One tag: its operations are the page's sections (`##`); several: a `##` per tag.
    """
    schemas = document.get("components", {}).get("schemas", {})
    by_tag = {tag: operations for tag, operations in operations_by_tag(document).items()
              if tags is None or tag in tags}
    lines: list[str] = []
    for server in document.get("servers", []):
        lines += [f"Server: `{server['url']}` (or your own Switchboard host). The paths below "
                  "are complete: append them to the server.", ""]
    level = 2 if len(by_tag) == 1 else 3
    shown: dict[str, dict] = {}  # response schema -> the operation whose section lists it
    for tag, operations in by_tag.items():
        if level == 3:
            lines += [f"## {tag}", ""]
        for path, method, operation in operations:
            lines += _operation(path, method, operation, schemas, error_slugs, level,
                                errors_page, shown)
    return "\n".join(lines) + "\n"


def operation_anchor(operation: dict) -> str:
    """The anchor of an operation's section: its operationId."""
    return operation["operationId"]


def _operation(path: str, method: str, operation: dict, schemas: dict,
               error_slugs: dict[str, str], level: int, errors_page: str,
               shown: dict[str, dict]) -> list[str]:
    lines = [f"{'#' * level} {operation['summary']} {{ #{operation_anchor(operation)} }}", "",
             f"`{method.upper()} {path}`", ""]
    if operation.get("description"):
        lines += [operation["description"], ""]
    if operation.get("security") == []:
        lines += ["Public: no access key needed.", ""]
    if operation.get("parameters"):
        lines += ["**Parameters**", "", "| name | in | type | required | description |",
                  "|---|---|---|---|---|"]
        for param in operation["parameters"]:
            schema = param.get("schema", {})
            lines.append(_row(f"`{param['name']}`", param["in"], _type(schema, schemas),
                              "yes" if param.get("required") else "no",
                              _details(schema, schemas, param.get("description"))))
        lines.append("")
    body = operation.get("requestBody")
    if body:
        media, content = next(iter(body["content"].items()))
        need = "required" if body.get("required") else "optional"
        lines += [f"**Request body** (`{media}`, {need})", ""]
        lines += _field_table(content["schema"], schemas, with_required=True)
    lines += ["**Responses**", "", "| status | meaning |", "|---|---|"]
    success = None
    for status, response in operation["responses"].items():
        phrase = HTTPStatus(int(status)).phrase
        codes = operation.get("x-problem-codes", {}).get(status, [])
        if codes:
            meaning = "Problem: " + ", ".join(
                f"[`{code}`]({errors_page}#{error_slugs[code]})" for code in codes)
        else:
            success = success or (status, response)
            meaning = response.get("description", "")
            if response.get("content") and success[0] == status:
                meaning += ": the response body below"
        lines.append(_row(f"`{status}` {phrase}", meaning))
    lines.append("")
    if success:
        status, response = success
        headers = ", ".join(f"`{name}`" for name in response.get("headers", {}))
        if headers:
            lines += [f"Headers of a `{status}` response: {headers}.", ""]
        content = response.get("content", {})
        if content:
            media, body = next(iter(content.items()))
            fields = _field_table(body["schema"], schemas, with_required=False)
            ref = body["schema"].get("$ref")
            first = shown.get(ref) if ref else None
            if len(fields) > 1 and first is not None:
                # One table per object and page: a page that returned the same object in
                # every section was large enough to fail its mobile performance budget.
                lines += [f"**Response body** (`{status}`, `{media}`): the fields listed under "
                          f"[{first['summary']}](#{operation_anchor(first)}).", ""]
            elif len(fields) > 1:
                lines += [f"**Response body** (`{status}`, `{media}`)", ""] + fields
                if ref:
                    shown[ref] = operation
    return lines


def cell(text: str) -> str:
    """Text safe in a Markdown table cell: one line, pipes escaped outside code spans."""
    parts = _CODE_SPAN.split(" ".join(str(text).split()))
    return "".join(part if part.startswith("`") else part.replace("|", "\\|")
                   for part in parts)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def _resolve(schema: dict, schemas: dict) -> dict:
    seen = 0
    while "$ref" in schema and seen < 20:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        seen += 1
    return schema


def _branches(schema: dict) -> list[dict]:
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return schema[key]
    return []


def _type(schema: dict, schemas: dict) -> str:
    """A reader's description of a JSON Schema's type: `string or null`, `array of object`."""
    if "$ref" in schema:
        target = _resolve(schema, schemas)
        return _type(target, schemas) if "properties" not in target else "object"
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{value}`" if value is not None else "`null`"
                                     for value in schema["enum"])
    branches = _branches(schema)
    if branches:
        return " or ".join(dict.fromkeys(_type(branch, schemas) for branch in branches))
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _type(schema["allOf"][0], schemas)
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return "array of " + _type(schema["items"], schemas) if "items" in schema else "array"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "object of " + _type(schema["additionalProperties"], schemas)
    return kind or "any"


def _constraints(schema: dict) -> list[str]:
    found = []
    if "minLength" in schema or "maxLength" in schema:
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None and high is not None:
            found.append(f"{low} to {high} characters")
        else:
            found.append(f"at least {low} characters" if high is None
                         else f"at most {high} characters")
    if "minimum" in schema or "maximum" in schema:
        low, high = schema.get("minimum"), schema.get("maximum")
        found.append(f"{low} to {high}" if low is not None and high is not None
                     else f"at least {low}" if high is None else f"at most {high}")
    if "maxItems" in schema:
        found.append(f"at most {schema['maxItems']} items")
    if "maxProperties" in schema:
        found.append(f"at most {schema['maxProperties']} keys")
    if "format" in schema:
        found.append(f"format `{schema['format']}`")
    if "pattern" in schema:
        found.append(f"pattern `{schema['pattern']}`")
    return found


def _details(schema: dict, schemas: dict, description: str | None = None) -> str:
    """Description, constraints, default and example of a field, as one table cell."""
    parts = []
    branches = [b for b in _branches(schema) if b.get("type") != "null"]
    description = description or schema.get("description") or next(
        (b["description"] for b in branches if b.get("description")), None)
    if description:
        parts.append(description.rstrip(".") + ".")
    constraints = _constraints(schema)
    for branch in branches:
        constraints += _constraints(_resolve(branch, schemas))
    if constraints:
        text = "; ".join(dict.fromkeys(constraints))
        parts.append(text[0].upper() + text[1:] + ".")
    if schema.get("default") is not None:
        parts.append(f"Default `{json.dumps(schema['default'])}`.")
    examples = schema.get("examples") or next(
        (b["examples"] for b in branches if b.get("examples")), None)
    if examples:
        parts.append(f"Example: `{json.dumps(examples[0])}`.")
    return " ".join(parts)


def _nested(schema: dict, schemas: dict) -> tuple[dict, str] | None:
    """The object a field holds (directly, in an array, or nullable) and the path joiner."""
    for branch in [schema, *_branches(schema)]:
        if branch.get("type") == "array" and "items" in branch:
            target = _resolve(branch["items"], schemas)
            if "properties" in target:
                return target, "[]."
        target = _resolve(branch, schemas)
        if "properties" in target:
            return target, "."
    return None


def fields(schema: dict, schemas: dict, prefix: str = "", depth: int = 0
           ) -> list[tuple[str, dict, bool]]:
    """Every field of an object schema, nested objects flattened: (path, schema, required)."""
    schema = _resolve(schema, schemas)
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema.get("properties", {}).items():
        path = prefix + name
        found.append((path, prop, name in required))
        nested = _nested(prop, schemas)
        if nested and depth < MAX_DEPTH:
            target, joiner = nested
            found += fields(target, schemas, path + joiner, depth + 1)
    return found


def _field_table(schema: dict, schemas: dict, *, with_required: bool) -> list[str]:
    rows = fields(schema, schemas)
    if not rows:
        return [schema.get("description", "A JSON object."), ""]
    if with_required:
        lines = ["| field | type | required | description |", "|---|---|---|---|"]
        lines += [_row(f"`{path}`", _type(prop, schemas), "yes" if required else "no",
                       _details(prop, schemas)) for path, prop, required in rows]
    else:
        lines = ["| field | type | description |", "|---|---|---|"]
        lines += [_row(f"`{path}`", _type(prop, schemas), _details(prop, schemas))
                  for path, prop, _required in rows]
    return lines + [""]
