"""Administration: the actions an operator takes (:mod:`.actions`, also called
by the demo and the tests) and the ``chartkeep-server`` command line
(:mod:`.cli`) that runs them.

``from server import admin`` gives the actions::

    facility = admin.create_facility(engine, settings, name=..., state="OH", mrn_prefix="MG")
"""

from .actions import (
    TerminalRow,
    create_bed,
    create_facility,
    create_unit,
    create_user,
    deactivate_user,
    decide_copy,
    declare_restore,
    grant_app_role,
    init,
    issue_code,
    list_terminals,
    publish_checkpoints,
    review_copies,
    review_held,
    revoke_terminal,
    rotate_key,
    set_offline_window,
    update_facility,
    verify_audit,
)

__all__ = [
    "TerminalRow",
    "create_bed",
    "create_facility",
    "create_unit",
    "create_user",
    "deactivate_user",
    "decide_copy",
    "declare_restore",
    "grant_app_role",
    "init",
    "issue_code",
    "list_terminals",
    "publish_checkpoints",
    "review_copies",
    "review_held",
    "revoke_terminal",
    "rotate_key",
    "set_offline_window",
    "update_facility",
    "verify_audit",
]
