"""``chartkeep-server records-settings`` / ``set-records-settings``: a facility's
records profile and completeness checklist, checked by the protocol's parsers,
stored on the facility record and audited."""

import json

import sqlalchemy as sa

from server.admin.cli import main
from server.storage.models import T


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_a_facility_s_records_settings_printed_set_refused_and_reset(
        server_db_url, capsys, tmp_path):
    db = ["--database-url", server_db_url, "--data-dir", str(tmp_path)]
    assert run(capsys, *db, "init")[0] == 0
    code, facility, _ = run(capsys, *db, "create-facility", "--name", "Maple Grove",
                            "--state", "wa", "--mrn-prefix", "MG")
    assert code == 0
    code, out, _ = run(capsys, *db, "records-settings", "--facility", facility)
    shown = json.loads(out)
    assert code == 0
    assert (shown["records_profile_source"], shown["completeness_checklist_source"]) == \
        ("state default", "default")
    assert shown["records_profile"]["state"] == "WA"
    assert (shown["timezone"], shown["timezone_source"]) == ("America/Los_Angeles",
                                                             "state default")
    code, _, err = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--timezone", "America/Atlantis")
    assert code == 2 and "no time zone called 'America/Atlantis'" in err
    code, out, _ = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--timezone", "America/Boise")
    assert (json.loads(out)["timezone"], json.loads(out)["timezone_source"]) == \
        ("America/Boise", "facility")

    profile = dict(shown["records_profile"], delinquent_after_days=14)
    (tmp_path / "profile.json").write_text(json.dumps(profile))
    (tmp_path / "checklist.json").write_text(json.dumps({"documents": [
        {"code": "face_sheet", "title": "Face sheet", "when": []},
        {"code": "death_certificate", "title": "Death certificate", "when": ["death"]}]}))
    code, out, _ = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--profile", str(tmp_path / "profile.json"),
                       "--checklist", str(tmp_path / "checklist.json"))
    assert code == 0
    now = json.loads(out)
    assert now["records_profile"]["delinquent_after_days"] == 14
    assert [d["code"] for d in now["completeness_checklist"]["documents"]] == \
        ["face_sheet", "death_certificate"]

    # What the terminals could not read is refused, naming the field; nothing changes.
    (tmp_path / "bad.json").write_text(json.dumps(dict(profile, delinquent_after_days=0)))
    code, _, err = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--profile", str(tmp_path / "bad.json"))
    assert code == 2 and "delinquent_after_days" in err
    (tmp_path / "ohio.json").write_text(json.dumps(dict(profile, state="OH")))
    code, _, err = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--profile", str(tmp_path / "ohio.json"))
    assert code == 2 and "not the facility's state (WA)" in err
    (tmp_path / "dup.json").write_text(json.dumps({"documents": [
        {"code": "a", "title": "A"}, {"code": "a", "title": "A again"}]}))
    code, _, err = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--checklist", str(tmp_path / "dup.json"))
    assert code == 2 and "once" in err
    (tmp_path / "broken.json").write_text("{")
    code, _, err = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--checklist", str(tmp_path / "broken.json"))
    assert code == 2 and "is not JSON" in err
    code, _, err = run(capsys, *db, "set-records-settings", "--facility", facility)
    assert code == 2 and "nothing to set" in err
    code, _, err = run(capsys, *db, "records-settings", "--facility", "01J00000000000000000000000")
    assert code == 2 and "no facility" in err
    assert json.loads(run(capsys, *db, "records-settings", "--facility", facility)[1]) == now

    code, out, _ = run(capsys, *db, "set-records-settings", "--facility", facility,
                       "--state-default", "--default-checklist")
    back = json.loads(out)
    assert (back["records_profile_source"], back["completeness_checklist_source"]) == \
        ("state default", "default")
    assert back["records_profile"]["delinquent_after_days"] == 30

    engine = sa.create_engine(server_db_url)
    try:
        with engine.connect() as conn:
            audited = conn.execute(sa.select(T.audit.c.detail).where(
                T.audit.c.action == "admin:set_records_settings")
                .order_by(T.audit.c.seq)).scalars().all()
    finally:
        engine.dispose()
    assert [json.loads(d) if isinstance(d, str) else d for d in audited] == [
        {"changed": {"timezone": "America/Boise"}},
        {"changed": {"records_profile": "set", "completeness_checklist": "set"}},
        {"changed": {"records_profile": "state default",
                     "completeness_checklist": "default"}}]
