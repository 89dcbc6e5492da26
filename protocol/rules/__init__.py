"""Rules the terminal and the server both apply, as pure functions over plain values.

One rule, one place: the server calls these to decide an operation, and the
terminal calls the very same functions to refuse at entry what the server
would refuse (with the same reason), and to predict what the server will show.

=================  ===========================================================
``permissions``    who may do what: role × operation type × record kind
``census``         census and bed state derived from a resident's stay
``stays``          the stay commands as state transitions, with their date rules
``dates``          date rules of records (no birth or work date in the future, …)
``licenses``       license expiry bands and days left
=================  ===========================================================

Import the module you need (``from protocol.rules import census``); this
package imports nothing eagerly, so :mod:`protocol.ops` can use the rules
without an import cycle. No I/O, no clock: callers pass ``today``.
"""
