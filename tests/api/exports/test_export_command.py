"""`manage.py export_practice OUT.zip`: the same builder, without Celery."""

import json
import zipfile

import pytest
from django.core.management import call_command

from api.exports.fhir import RESOURCE_TYPES
from api.exports.tables import TABLES
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def test_the_command_writes_the_whole_zip(tmp_path, capsys):
    AppointmentFactory()
    out = tmp_path / "practice.zip"
    call_command("export_practice", str(out))
    assert "Wrote" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {f"csv/{t.name}.csv" for t in TABLES} <= names
        assert {f"json/{t.name}.json" for t in TABLES} <= names
        assert {f"fhir/{t}.ndjson" for t in RESOURCE_TYPES} <= names
        assert json.loads(zf.read("manifest.json"))["rows"]["tables/appointments"] == 1
    assert not list(tmp_path.glob("*.partial"))


def test_the_json_summary_reports_time_and_memory(tmp_path, capsys):
    call_command("export_practice", str(tmp_path / "p.zip"), "--no-pdfs", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["peak_rss_mib"] > 0 and summary["seconds"] > 0 and summary["cpu_seconds"] > 0
    assert set(summary["timings"]) == {"tables", "fhir", "finishing"}
