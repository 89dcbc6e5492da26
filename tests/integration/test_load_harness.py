"""scripts/load at tiny counts: it runs, and its report has the structure the
docs read (no timing is judged here; speed lives in the report itself)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_load_reports_each_kind_errors_throughput_and_convergence(tmp_path):
    out = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load.py"), "--backend", "sqlite",
         "--terminals", "4", "--facilities", "2", "--duration", "3", "--rounds", "3",
         "--ops", "5", "--pace", "stress", "--think", "0.1", "--engines", "2",
         "--engine-rounds", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    (report,) = json.loads(out.read_text(encoding="utf-8"))
    assert report["backend"] == "sqlite" and report["processes"] == 1
    assert report["terminals"] == 4
    assert report["errors"] == {"count": 0, "examples": []}
    assert 0 < report["rounds"] <= 4 * 3
    assert report["ops_pushed"] == 5 * report["rounds"]
    assert report["ops_not_applied"] == 0
    # every change reaches both terminals of its facility (its own included)
    assert report["records_pulled"] >= report["ops_pushed"]
    for kind in ("/v1/push", "/v1/pull"):
        server = report["server_ms"][kind]
        assert server["count"] >= report["rounds"]
        assert server["status"] == {"2xx": server["count"]}
        assert 0 < server["p50"] <= server["p95"] <= server["p99"]
    client = report["client_ms"]
    assert client["exchange"]["count"] == report["rounds"]
    assert client["push"]["count"] == report["rounds"]
    assert report["server_cpu"]["cores_used"] > 0
    engines = report["engines"]
    assert engines["terminals"] == 2 and engines["errors"]["count"] == 0
    assert engines["converged"] is True
    assert report["pace"] == "stress"
    assert "load_sqlite_1p_4t_stress_errors 0 <=0 ok" in run.stdout
    # the unsuffixed target lines are the real pace's, never the stress pace's
    assert "load_sqlite_1p_4t_errors" not in run.stdout


@pytest.mark.slow
def test_load_reports_the_real_pace_and_the_stress_pace_apart(tmp_path):
    out = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load.py"), "--backend", "sqlite",
         "--terminals", "4", "--facilities", "2", "--pace", "both", "--interval", "1",
         "--real-duration", "2.5", "--duration", "2", "--rounds", "20", "--ops", "2",
         "--think", "0.2", "--engines", "0", "--json", str(out)],
        capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    real, stress = json.loads(out.read_text(encoding="utf-8"))
    assert (real["pace"], stress["pace"]) == ("real", "stress")
    assert "every 1 s" in real["pace_text"] and "~0.2 s" in stress["pace_text"]
    # on its schedule each terminal syncs once a second, from a start within the
    # first: at most three times in 2.5 s, however fast the server answers
    assert 4 <= real["rounds"] <= 4 * 3
    assert real["errors"]["count"] == stress["errors"]["count"] == 0
    assert stress["rounds"] > 0
    # each pace's server figures are its own requests only
    assert real["server_ms"]["/v1/push"]["count"] == real["rounds"]
    assert stress["server_ms"]["/v1/push"]["count"] == stress["rounds"]
    lines = run.stdout.splitlines()
    assert "load_sqlite_1p_4t_errors 0 <=0 ok" in lines
    assert "load_sqlite_1p_4t_stress_errors 0 <=0 ok" in lines
    assert lines.index("load_sqlite_1p_4t_errors 0 <=0 ok") \
        < lines.index("load_sqlite_1p_4t_stress_errors 0 <=0 ok")
