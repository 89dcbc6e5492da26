"""What operations do: the handlers that change records, and the stay commands.

:mod:`.registry`      operation type → handler, stay command → handler
:mod:`.records`       create, update, resolve, void, merge
:mod:`.stays`         admit, discharge, transfer, assign bed, leave, return
:mod:`.census`        a resident's census fields and a bed's occupancy, from stays
:mod:`.context`       the batch and the acting facility, with its scope rules
:mod:`.outcomes`      what handling one operation came to
:mod:`.fingerprints`  payload hashes and the duplicate check's key

Handlers run inside a push batch (:mod:`server.storage.batch`) that the core
opened; they return an outcome and never raise for a bad operation. No HTTP here.
"""
