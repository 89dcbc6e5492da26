"""``scripts/demo`` without a terminal: it runs the scripted demonstration in its
own directory and leaves the app's demo (and what the user changed there) alone;
the portal's address is printed while the server still runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.e2e
def test_the_scripted_demonstration_never_touches_the_app_s_demo(tmp_path):
    kept = tmp_path / "demo"
    (kept / "terminals" / "front-desk").mkdir(parents=True)
    (kept / "what-you-changed").write_text("still here")
    code = ("import sys; from pathlib import Path; sys.path.insert(0, 'scripts'); "
            f"import demo; demo.VAR_ROOT = Path({str(tmp_path)!r}); sys.exit(demo.main([]))")
    env = {k: v for k, v in os.environ.items() if k != "CHARTKEEP_SERVER_KEY_PASSPHRASE"}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=600,
                         check=False)
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "No interactive terminal here: running the scripted demonstration" in out
    assert f"Recording a new demo in {tmp_path / 'demo-headless'}" in out
    assert "removing" not in out
    assert (kept / "what-you-changed").read_text() == "still here"
    assert sorted(p.name for p in kept.iterdir()) == ["terminals", "what-you-changed"]
    assert (tmp_path / "demo-headless" / "entrance-pack.zip").is_file()
    # The portal's address comes while the server runs, and the end says it has gone.
    assert out.index("  Portal:  http://127.0.0.1:") < out.index("Enrolling the front-desk")
    assert "The addresses above were for this run only" in out.splitlines()[-1]


def test_why_the_app_s_demo_starts_over_is_said_rightly(tmp_path, monkeypatch):
    """An earlier scripted run left in var/demo (before it had its own directory) is
    not called an incomplete demo; the scripted demonstration only names its own."""
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    from demo import start_over_reason

    var = tmp_path / "demo"
    assert start_over_reason(var, headless_mode=False, fresh=False) is None
    (var / "terminals" / "front-desk").mkdir(parents=True)
    assert start_over_reason(var, headless_mode=False, fresh=False) == (
        "the earlier demo there was incomplete")
    assert start_over_reason(var, headless_mode=False, fresh=True) == "--fresh"
    (var / "terminals" / "nurses-station").mkdir()
    assert start_over_reason(var, headless_mode=False, fresh=False) == (
        "it held a scripted demonstration, not the app's demo")
    assert "fresh data every time" in str(start_over_reason(var, headless_mode=True,
                                                            fresh=False))



def test_the_demo_s_closing_words_fit_80_columns(monkeypatch, capsys):
    """What scripts/demo prints when the app closes (the logins once more) reads on
    the plain 80-column terminal the app ran in: its lines were up to 106 wide."""
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import demo_running
    from demo_facility import PASSWORD
    from demo_portal import MANAGER, MANAGER_PASSWORD, Login
    from rich.cells import cell_len

    from client.ui import app as terminal_app

    monkeypatch.setattr(terminal_app, "run", lambda *_args, **_kwargs: None)  # the app, closed
    monkeypatch.setattr(demo_running.time, "sleep", lambda _seconds: None)
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # as long as the portal's secrets
    home = Path("/home/clerk/chartkeep/var/demo/terminals/front-desk")
    demo_running.open_app("http://127.0.0.1:8471", home,
                          Login(MANAGER, MANAGER_PASSWORD, secret))
    out = capsys.readouterr().out
    closing = out[out.index("The app has closed"):].splitlines()
    assert [line for line in closing if cell_len(line) > 80] == []
    said = "\n".join(closing)
    for words in (PASSWORD, MANAGER_PASSWORD, secret, "http://127.0.0.1:8471/portal",
                  str(home), "/home/clerk/chartkeep/var/demo/portal-login.json"):
        assert words in said, words


def test_the_demo_records_no_shift_that_has_not_ended(monkeypatch):
    """Between midnight and 07:00 last night's shift is still being worked: the demo
    left it in, the terminal refused its clock-out as in the future, and scripts/demo
    stopped with "Clock out cannot be in the future" every night until seven."""
    from datetime import date, datetime
    from types import SimpleNamespace

    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import demo_facility

    class AtThree:
        def now(self):
            return datetime(2026, 12, 8, 3, 0).astimezone()

    monkeypatch.setattr(demo_facility, "SystemClock", AtThree)
    entered: list[dict] = []
    front = SimpleNamespace(staff=SimpleNamespace(
        add_hours=lambda _staff_id, fields: entered.append(fields)))
    demo_facility.shift(front, "S1", date(2026, 12, 7), "15:00", 8, 10, 2)  # ended 23:30
    demo_facility.shift(front, "S1", date(2026, 12, 7), "23:00", 7.5, 10, 2)  # ends 07:00
    assert [f["clock_out"] for f in entered] == ["2026-12-07T23:30"]
