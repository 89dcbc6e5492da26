"""A pull answer sends the server's stored snapshot bytes as they are: the bytes
on the wire must decode to exactly what encoding the snapshots anew gives."""

from hypothesis import given
from hypothesis import strategies as st

from protocol.codec import decode, encode, encode_with_encoded_list
from protocol.messages import (
    EncodedSnapshots,
    LogPosition,
    PullResponse,
    Snapshot,
    change_mark,
    served_snapshot,
    stored_snapshot,
)
from protocol.ops import OpResult, OpStatus
from protocol.records import RecordKind

text = st.text(max_size=20)
ids = st.text(min_size=1, max_size=30)
values = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), text)
fields = st.dictionaries(text, values, max_size=6)


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    return Snapshot(kind=draw(st.sampled_from(list(RecordKind))), record_id=draw(ids),
                    facility_id=draw(ids), data=draw(fields),
                    versions=draw(st.dictionaries(text, st.integers(0, 99), max_size=4)),
                    conflicts=draw(fields), status=draw(st.sampled_from(["active", "void"])),
                    seq=draw(st.integers(1, 2**40)), gone=draw(st.booleans()))


def _stored(snap: Snapshot) -> bytes:
    return stored_snapshot(str(snap.kind), snap.record_id, snap.facility_id, snap.data,
                           snap.versions, snap.conflicts, snap.status, gone=snap.gone)


@given(snapshots())
def test_a_served_snapshot_is_the_snapshot_on_the_wire(snap: Snapshot) -> None:
    served = served_snapshot(_stored(snap), snap.seq)
    assert decode(served) == snap.to_wire()
    assert Snapshot.from_wire(decode(served)) == snap


def test_a_stored_snapshot_of_another_shape_is_decoded_and_served() -> None:
    stored = encode({"k": "note", "id": "n", "f": "f", "d": {}, "v": {}, "c": {}, "s": "active",
                     "gone": False, "extra": 1})
    assert decode(served_snapshot(stored, 7)) == {**decode(stored), "seq": 7}


@given(st.lists(snapshots(), max_size=5), st.booleans())
def test_a_pull_answer_from_stored_bytes_decodes_like_one_encoded_anew(
        snaps: list[Snapshot], more: bool) -> None:
    results = [OpResult(3, "01ARZ3NDEKTSV4RRFFQ69G5FAV", OpStatus.HELD, None, None, None, (),
                        None)]
    log = LogPosition("gen", 12, 4)
    fresh = PullResponse(snaps, 9, more, 1234, results, log=log)
    served = PullResponse(EncodedSnapshots([served_snapshot(_stored(s), s.seq) for s in snaps]),
                          9, more, 1234, results, log=log)
    assert decode(served.to_bytes()) == fresh.to_wire()
    assert PullResponse.from_wire(decode(served.to_bytes())) == fresh
    assert served.changes == snaps
    assert served.changes + snaps == [*snaps, *snaps] == snaps + served.changes


def test_encoding_with_an_encoded_list_matches_plain_encoding() -> None:
    items = [{"a": 1}, {"b": [1, 2]}]
    assert decode(encode_with_encoded_list({"x": 1, "y": "z"}, "items",
                                           [encode(i) for i in items])) == \
        {"items": items, "x": 1, "y": "z"}


def test_a_pull_answer_says_the_page_its_server_serves() -> None:
    import pytest

    from protocol.errors import SchemaError
    from protocol.messages import MAX_PULL_PAGE, SERVED_PULL_PAGE, PullRequest

    served = PullResponse([], 0, False, 1, page=SERVED_PULL_PAGE)
    assert PullResponse.from_wire(decode(served.to_bytes())).page_served == SERVED_PULL_PAGE
    # a server from before larger pages does not say: it serves the old maximum
    older = PullResponse([], 0, False, 1)
    assert "page" not in older.to_wire()
    assert PullResponse.from_wire(older.to_wire()).page_served == MAX_PULL_PAGE
    # a later server may serve more: this terminal asks for what it knows
    later = {**served.to_wire(), "page": 4 * SERVED_PULL_PAGE}
    assert PullResponse.from_wire(later).page_served == SERVED_PULL_PAGE
    with pytest.raises(SchemaError):
        PullResponse.from_wire({**served.to_wire(), "page": 0})
    # the server takes a limit up to what it serves, no more
    assert PullRequest.from_wire(PullRequest(0, SERVED_PULL_PAGE).to_wire()).limit \
        == SERVED_PULL_PAGE
    with pytest.raises(SchemaError):
        PullRequest.from_wire(PullRequest(0, SERVED_PULL_PAGE + 1).to_wire())


@given(snapshots(), st.integers(1, 2**40))
def test_a_change_has_one_mark_from_the_servers_bytes_and_the_terminals_reading(
        snap: Snapshot, elsewhere: int) -> None:
    """The server marks the change it stored at a position; the terminal marks the
    snapshot it decoded from the answer: the same, and not tied to the position."""
    served = EncodedSnapshots([served_snapshot(_stored(snap), snap.seq)])
    through_the_wire = PullResponse.from_wire(decode(PullResponse(
        served, snap.seq, False, 0).to_bytes())).changes[-1]
    at_server = EncodedSnapshots([served_snapshot(_stored(snap), elsewhere)])[0]
    assert change_mark(through_the_wire) == change_mark(at_server) == change_mark(snap)


def test_two_changes_to_one_record_with_equal_values_have_different_marks() -> None:
    first = Snapshot(kind=RecordKind.NOTE, record_id="N1", facility_id="F1",
                     data={"body": "Settled in.", "_recorded_at": 1}, versions={}, conflicts={},
                     status="active", seq=7)
    again = Snapshot(**{**first.__dict__, "data": {"body": "Settled in.", "_recorded_at": 2}})
    assert change_mark(first) != change_mark(again)


def test_the_mark_at_the_cursor_is_optional_on_the_wire() -> None:
    """A server before marks sends none (the terminal then skips the check); a
    terminal before marks reads an answer that has one."""
    old = LogPosition.from_wire({"gen": "g", "head": 9, "next": 3})
    assert old.at is None and "at" not in old.to_wire()
    new = LogPosition("g", 9, 3, at="0" * 32)
    assert LogPosition.from_wire(decode(encode(new.to_wire()))) == new
    assert set(new.to_wire()) == {"gen", "head", "next", "at"}
