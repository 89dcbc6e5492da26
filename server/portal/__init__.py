"""The portal's core: accounts, sign-in and regions, inspector accesses, and
the views regional managers work from. No web framework here: the pages in
:mod:`server.http.routes` call these from the app's worker threads.

:mod:`.principals`   who is asking: an account or an inspector's access
:mod:`.errors`       what the portal refuses, with a code and a status each
:mod:`.throttle`     failed sign-ins counted per account and per source
:mod:`.accounts`     administrators and regional managers: password, TOTP,
                     sessions' generation, regions
:mod:`.scope`        which facilities a principal may see (else: not found)
:mod:`.inspections`  inspector accesses: issue, redeem, revoke, views audited
:mod:`.facilities`   what a manager sees of a facility: terminals, held and
                     rejected operations, conflicts, users
:mod:`.management`   what a manager changes: held review, users, codes, settings
"""
