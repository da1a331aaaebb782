"""Reading a page's shell blocks and their output for the getting-started walkthrough test
(tests/docs/test_samples.py): the blocks, curl's output split into status, headers and JSON,
and a documented JSON response compared with the real one."""

from __future__ import annotations

import json

from tests.docs.test_samples import ID, STATUS_LINE, _fences, _region

VOLATILE = {"request_id", "created_at", "updated_at", "detail"}


def shell_blocks(text: str) -> list[tuple[str, str]]:
    """(code, region after it) of the page's sh blocks, but `make run` itself."""
    fences = _fences(text)
    return [(f.group(2), _region(text, f.end(), fences)) for f in fences
            if f.group(1) in ("sh", "bash", "shell") and "make run" not in f.group(2)]


def split_response(output: str) -> tuple[int | None, dict[str, str], object]:
    """Status, headers (when curl -i showed them) and the JSON body of a block's output."""
    status, headers = None, {}
    if output.startswith("HTTP/"):
        head, _, output = output.replace("\r\n", "\n").partition("\n\n")
        lines = head.splitlines()
        status = int(STATUS_LINE.match(lines[0]).group(1))
        headers = dict(line.split(": ", 1) for line in lines[1:])
    last = [line for line in output.strip().splitlines() if line.strip()]
    try:
        return status, headers, json.loads(last[-1]) if last else None
    except ValueError:
        return status, headers, None


def compare(documented, actual, where: str) -> None:
    """A documented object has exactly the real one's members, unless it shows `"...": "..."`
    (then it shows a part of them); each value shown is the real one, ids by their prefix."""
    if isinstance(documented, list):
        assert isinstance(actual, list) and len(actual) >= len(documented), where
        for doc_item, real_item in zip(documented, actual, strict=False):
            compare(doc_item, real_item, where)
        return
    if not isinstance(documented, dict):
        if isinstance(documented, str) and (ID.fullmatch(documented)
                                            or documented.endswith("...")):
            prefix = documented.split("_")[0] if ID.fullmatch(documented) else \
                documented.removesuffix("...")
            assert isinstance(actual, str) and actual.startswith(prefix), (where, actual)
        else:
            assert actual == documented, f"{where}: {actual!r}, not {documented!r}"
        return
    assert isinstance(actual, dict), where
    keys = set(documented) - {"..."}
    if "..." in documented:
        assert keys <= set(actual), f"{where}: {sorted(keys - set(actual))}"
    else:
        assert keys == set(actual), f"{where}: documented {sorted(keys)}, got {sorted(actual)}"
    for key in keys - VOLATILE:
        compare(documented[key], actual[key], f"{where}.{key}")


