"""Values and small helpers shared by the terminal engine's tests."""

from __future__ import annotations

from typing import Any

PASSWORD = "the quiet ward at dawn, tea."
MANAGER_PASSWORD = "records are kept for five years"


def resident_fields(**overrides: Any) -> dict[str, Any]:
    fields = {"family_name": "Okafor", "given_name": "Adaeze", "birth_date": "1941-03-02",
              "sex": "female"}
    fields.update(overrides)
    return fields
