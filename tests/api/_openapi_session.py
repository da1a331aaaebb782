"""A live session checked against an OpenAPI document: every request and response of the
test client validated with `openapi-core`, each problem's `code` one its operation documents.
Shared by the /api/v1, /api/mobile and /api/internal session tests."""

from __future__ import annotations

import json
import re

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import Headers

UNKNOWN_ID = "con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"


class Session:
    """Calls the app and validates each exchange against the document."""

    def __init__(self, client, document: dict):
        self.client = client
        self.document = {**document, "servers": [{"url": "http://localhost"}]}
        self.spec = OpenAPI.from_dict(self.document, config=Config(
            extra_media_type_deserializers={"application/problem+json": json.loads}))
        self.seen: dict[str, set[str]] = {}

    def call(self, method: str, path: str, *, operation: str, valid_request: bool = True,
             client=None, **kwargs):
        response = (client or self.client).open(path, method=method, **kwargs)
        sent = response.request
        request = MockRequest("http://localhost", method.lower(), sent.path,
                              args=dict(sent.args), headers=dict(Headers(sent.headers)),
                              cookies=dict(sent.cookies),
                              data=_body(kwargs), content_type=sent.mimetype or "")
        if valid_request:
            self.spec.validate_request(request)
        self.spec.validate_response(request, MockResponse(
            response.get_data(), response.status_code, headers=dict(response.headers),
            content_type=response.mimetype))
        template_method, template = operation.split(" ", 1)
        documented = self.document["paths"][template][template_method.lower()]
        if response.mimetype == "application/problem+json":
            codes = documented["x-problem-codes"][str(response.status_code)]
            assert response.json["code"] in codes, (operation, response.json)
            self.seen.setdefault(operation, set()).add(response.json["code"])
        else:
            self.seen.setdefault(operation, set()).add(str(response.status_code))
        return response

    def operations(self):
        """(method, path template, operation) of every documented operation."""
        for path, item in self.document["paths"].items():
            for method, operation in item.items():
                yield method.upper(), path, operation

    def unexercised(self) -> set[str]:
        """The documented operations this session has not called."""
        return {f"{m} {p}" for m, p, _ in self.operations()} - set(self.seen)


def _body(kwargs: dict) -> bytes | None:
    if "json" in kwargs:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    return data.encode() if isinstance(data, str) else data


def concrete(path: str, parameters: dict) -> str:
    """The path template with its `{name}` parameters filled in."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: parameters[m.group(1)], path)
