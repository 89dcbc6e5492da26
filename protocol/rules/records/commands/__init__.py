"""The records department's commands, one registry: requests for records and
releases, disclosures and suspensions, amendment requests, completeness
reviews, legal holds and destruction; the department's budget lines and
expenditure requests; acknowledgements of regulation bulletins.

:mod:`protocol.commands` looks a records command up here; the server runs its
check and effect in one generic handler, and the terminal runs the same check
before saving it offline and the same effect to show it pending.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import (
    amendments,
    bulletins,
    completeness,
    expenditures,
    extracts,
    hiring,
    requests,
    retention,
)
from .spec import CaseFacts, CaseSpec, Named

RECORDS_COMMANDS: Mapping[str, CaseSpec] = {
    spec.name: spec for spec in (*requests.SPECS, *amendments.SPECS, *completeness.SPECS,
                                 *retention.SPECS, *extracts.SPECS, *expenditures.SPECS,
                                 *bulletins.SPECS, *hiring.SPECS)
}

__all__ = ["RECORDS_COMMANDS", "CaseFacts", "CaseSpec", "Named"]
