"""The committed OpenAPI contract stays what the sandbox serves, and every command has help."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from typing import Any

import pytest

from ministry_sandbox.cli import main
from ministry_sandbox.testing import SandboxClient

REGENERATE = "regenerate it with: ministry-sandbox openapi > ministry_sandbox/openapi.json"


def committed_text() -> str:
    return resources.files("ministry_sandbox").joinpath("openapi.json").read_text("utf-8")


def committed_contract() -> dict[str, Any]:
    contract: dict[str, Any] = json.loads(committed_text())
    return contract


def test_the_served_contract_matches_the_committed_openapi_json(sandbox: SandboxClient) -> None:
    served = sandbox.get("/openapi.json").json()

    assert served == committed_contract(), (
        f"ministry_sandbox/openapi.json differs from the contract the sandbox serves; {REGENERATE}"
    )


def test_the_openapi_command_prints_the_committed_file_exactly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["openapi"]) == 0

    printed = capsys.readouterr().out
    assert printed == committed_text(), f"the committed contract is stale; {REGENERATE}"
    assert printed.endswith("}\n")


def test_every_error_in_the_contract_has_the_bilingual_error_body() -> None:
    for path, operations in committed_contract()["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (
                        f"{method.upper()} {path} {status}"
                    )


def test_every_backend_write_in_the_contract_requires_an_idempotency_key() -> None:
    writes = [
        (path, operations["post"])
        for path, operations in committed_contract()["paths"].items()
        if "post" in operations and not path.startswith("/_sandbox")
    ]

    assert len(writes) == 11
    for path, operation in writes:
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["Idempotency-Key"]["required"] is True, path
        assert "400" in operation["responses"], path


@pytest.mark.parametrize(
    ("command", "purpose"),
    [
        ([], "ministry backends"),
        (["serve"], "Serve the sandbox backends over HTTP"),
        (["openapi"], "OpenAPI document"),
    ],
    ids=["ministry-sandbox", "serve", "openapi"],
)
def test_every_command_has_help_that_says_what_it_does(command: list[str], purpose: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ministry_sandbox", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert purpose in " ".join(result.stdout.split())
