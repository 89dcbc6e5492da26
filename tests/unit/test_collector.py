"""One pause of Python's cycle collector for the pull's pages and the reports
(protocol.collector): it nests, holds across threads, and leaves the collector as
it found it, whatever happens inside."""

import gc
import threading

import pytest

from protocol.collector import collector_paused


def test_paused_inside_nested_and_across_threads_then_resumed() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    leave = threading.Event()
    seen: list[bool] = []

    def other_report() -> None:
        with collector_paused():
            inside.set()
            leave.wait(timeout=30)
        seen.append(gc.isenabled())

    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
        worker = threading.Thread(target=other_report)
        worker.start()
        assert inside.wait(timeout=30)
    assert not gc.isenabled(), "the other thread's report still runs"
    leave.set()
    worker.join(timeout=30)
    assert seen == [True]
    assert gc.isenabled()


def test_a_collector_switched_off_elsewhere_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_resumes_the_collector() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a page that failed")
    assert gc.isenabled()
