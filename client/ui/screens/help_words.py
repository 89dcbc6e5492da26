"""What the keys Textual gives every list, choice and scrolling area do, in a
clerk's words, for F1 (:mod:`.help`).

Textual's own keys carry a word or two ("Home", "Cursor left", "Page Right") and
no details, so F1 showed "home  Home", and nothing under the table when the clerk
moved onto ←, →, home or end. Chartkeep's lists highlight whole rows, so ← and →
scroll sideways, and home and end go to the first and last column. A key of
Textual's not named here keeps Textual's words, which serve as its details too
(a field's editing keys: "Move cursor left a word" says it).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Button, DataTable, OptionList, Select, Tabs

Words = tuple[str, str]
"""What the key does (the table's column) and its details (the line under it)."""

LIST: dict[str, Words] = {
    "cursor_up": ("Row above", "Highlight the row above"),
    "cursor_down": ("Row below", "Highlight the row below"),
    "cursor_left": ("Scroll left", ("Show the columns to the left, when the list is wider "
                                    "than the window")),
    "cursor_right": ("Scroll right", ("Show the columns to the right, when the list is wider "
                                      "than the window")),
    "page_up": ("Page up", "Highlight the row a window's height up"),
    "page_down": ("Page down", "Highlight the row a window's height down"),
    "page_left": ("Window left", "Scroll the list left by the window's width"),
    "page_right": ("Window right", "Scroll the list right by the window's width"),
    "scroll_home": ("First column", "Scroll the list back to its first column"),
    "scroll_end": ("Last column", "Scroll the list to its last column"),
    "scroll_top": ("First row", "Highlight the list's first row"),
    "scroll_bottom": ("Last row", "Highlight the list's last row"),
    "select_cursor": ("Open", "Open (or choose) the highlighted row"),
}

OPTIONS: dict[str, Words] = {
    "cursor_up": ("Option above", "Highlight the option above"),
    "cursor_down": ("Option below", "Highlight the option below"),
    "first": ("First option", "Highlight the first option"),
    "last": ("Last option", "Highlight the last option"),
    "page_up": ("Page up", "Highlight the option a window's height up"),
    "page_down": ("Page down", "Highlight the option a window's height down"),
    "select": ("Choose", "Choose the highlighted option"),
}

SCROLLING: dict[str, Words] = {
    "scroll_up": ("Scroll up", "Scroll this part of the screen up a line"),
    "scroll_down": ("Scroll down", "Scroll this part of the screen down a line"),
    "scroll_left": ("Scroll left", ("Scroll this part of the screen left, when it is wider "
                                    "than the window")),
    "scroll_right": ("Scroll right", ("Scroll this part of the screen right, when it is "
                                      "wider than the window")),
    "scroll_home": ("To the top", "Scroll this part of the screen back to its top"),
    "scroll_end": ("To the end", "Scroll this part of the screen to its end"),
    "page_up": ("Page up", "Scroll this part of the screen up by the window's height"),
    "page_down": ("Page down", "Scroll this part of the screen down by the window's height"),
    "page_left": ("Window left", "Scroll this part of the screen left by the window's width"),
    "page_right": ("Window right", ("Scroll this part of the screen right by the window's "
                                    "width")),
}

OTHERS: dict[str, Words] = {
    "previous_tab": ("Previous tab", "Show the list of the tab to the left"),
    "next_tab": ("Next tab", "Show the list of the tab to the right"),
    "show_overlay": ("Open the choices", "Open the list of choices to pick one"),
    "press": ("Press", "Press the highlighted button"),
}


def plain_words(node: DOMNode, binding: Binding) -> Words:
    """What ``binding`` of ``node`` does and its details. Chartkeep's own keys say
    it in their description and tooltip; Textual's have no tooltip."""
    if binding.tooltip:
        return binding.description, binding.tooltip
    action = binding.action
    words: Words | None = None
    if isinstance(node, DataTable):
        words = LIST.get(action)
    elif isinstance(node, OptionList):
        words = OPTIONS.get(action)
    elif isinstance(node, Tabs | Select | Button):
        words = OTHERS.get(action)
    words = words or SCROLLING.get(action)
    return words or (binding.description, binding.description)
