"""Reading CSV exports: encodings, delimiters, rows, values (pure, no database)."""

from datetime import date, time, timedelta

import pytest

from api.imports import csvfile, fields


@pytest.mark.parametrize(
    ("raw", "text", "encoding"),
    [
        (b"\xef\xbb\xbfName,Email\r\n", "Name,Email\r\n", "UTF-8 with BOM"),
        ("Zoë,x\n".encode(), "Zoë,x\n", "UTF-8"),
        ("Zoë,“x”\n".encode("cp1252"), "Zoë,“x”\n", "Windows-1252"),
        ("Zoë\tx\n".encode("utf-16"), "Zoë\tx\n", "UTF-16"),
        # 0x81 is undefined in Windows-1252: Latin-1 reads every byte.
        (b"A\x81,b\n", "A\x81,b\n", "Latin-1"),
    ],
)
def test_decode_reads_what_spreadsheets_write(raw, text, encoding):
    assert csvfile.decode(raw) == (text, encoding)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "The file is empty."),
        (b" \n\n", "The file is empty."),
        (b"PK\x03\x04\x00\x00binary", "not a text file"),
    ],
)
def test_decode_refuses_what_is_no_text(raw, message):
    with pytest.raises(csvfile.CsvProblem, match=message):
        csvfile.decode(raw)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("First,Last\nAna,Ruiz\n", ","),
        ("First;Last\nAna;Ruiz\n", ";"),
        ("First\tLast\nAna\tRuiz\n", "\t"),
        ("First|Last\nAna|Ruiz\n", "|"),
        ('"Last, First";Email\n"Ruiz, Ana";a@x.test\n', ";"),
    ],
)
def test_sniff_delimiter(text, delimiter):
    assert csvfile.sniff_delimiter(text) == delimiter


def test_read_table_numbers_rows_by_the_line_they_start_on():
    text = 'First,Notes\nAna,"two\nlines"\n\nBen,x\n'
    table = csvfile.read_table(text, ",")
    assert table.headers == ["First", "Notes"]
    assert table.rows == [
        (2, {"First": "Ana", "Notes": "two\nlines"}),
        (5, {"First": "Ben", "Notes": "x"}),
    ]


def test_read_table_names_blank_and_repeated_headers():
    table = csvfile.read_table("Email,,email\na,b,c\n", ",")
    assert table.headers == ["Email", "Column 2", "email (3)"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Only\nA\n", "Only one column"),
        ("A,B\n", "no rows"),
        ("A,B\n1,2,3\n", "Line 2 has 3 values"),
        ("A,B\n" + "x" * 3000 + ",1\n", "Line 2 has a value of 3,000 characters"),
        ("A,B\n" + "1,2\n" * (csvfile.MAX_ROWS + 1), "more than 2,000 rows"),
    ],
)
def test_read_table_refuses_with_a_reason(text, message):
    with pytest.raises(csvfile.CsvProblem, match=message):
        csvfile.read_table(text, ",")


def test_guess_mapping_reads_other_systems_headers():
    headers = ["First Name", "Last Name", "E-mail", "Mobile Phone", "Home Phone", "DOB"]
    mapping = csvfile.guess_mapping(headers, fields.synonyms_of("clients"))
    assert mapping == {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "E-mail",
        "phone": "Mobile Phone",
        "date_of_birth": "DOB",
    }


def test_guess_mapping_of_an_appointment_export_uses_each_column_once():
    headers = ["Date", "Time", "Duration", "Practitioner", "Treatment", "Client", "Email"]
    mapping = csvfile.guess_mapping(headers, fields.synonyms_of("appointments"))
    assert mapping == {
        "date": "Date",
        "start_time": "Time",
        "duration": "Duration",
        "therapist": "Practitioner",
        "service": "Treatment",
        "client_email": "Email",
        "client_name": "Client",
    }


@pytest.mark.parametrize(
    ("values", "order"),
    [
        (["2026-03-31"], "ymd"),
        (["03/31/2026", "04/01/2026"], "mdy"),
        (["31/03/2026", "01/04/2026"], "dmy"),
        (["01/02/2026"], "mdy"),
        (["31.03.2026", "13/45/1990", "01.04.2026"], "dmy"),
        ([], "ymd"),
    ],
)
def test_guess_date_order(values, order):
    assert csvfile.guess_date_order(values) == order


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        ("2026-03-31", "mdy", date(2026, 3, 31)),
        ("3/31/2026", "mdy", date(2026, 3, 31)),
        ("31.03.2026", "dmy", date(2026, 3, 31)),
        ("31/03/84", "dmy", date(1984, 3, 31)),
        ("1/2/05", "mdy", date(2005, 1, 2)),
        ("2026-03-31 00:00:00", "ymd", date(2026, 3, 31)),
    ],
)
def test_parse_date(value, order, expected):
    assert csvfile.parse_date(value, order) == expected


@pytest.mark.parametrize("value", ["", "tomorrow", "2026-02-30", "13/13/2026", "0001-01-01"])
def test_parse_date_refuses(value):
    with pytest.raises(csvfile.CsvProblem):
        csvfile.parse_date(value, "mdy")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14:30", time(14, 30)),
        ("2:30 PM", time(14, 30)),
        ("2pm", time(14, 0)),
        ("12:15 am", time(0, 15)),
        ("12 p.m.", time(12, 0)),
        ("14.30", time(14, 30)),
        ("14h30", time(14, 30)),
        ("09:00:00", time(9, 0)),
    ],
)
def test_parse_time(value, expected):
    assert csvfile.parse_time(value) == expected


@pytest.mark.parametrize("value", ["", "14", "25:00", "13 PM", "noon", "9:75"])
def test_parse_time_refuses(value):
    with pytest.raises(csvfile.CsvProblem):
        csvfile.parse_time(value)


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("60", 60), ("60 min", 60), ("90 minutes", 90), ("1h", 60), ("1h 30m", 90), ("1:30", 90)],
)
def test_parse_duration(value, minutes):
    assert csvfile.parse_duration(value) == timedelta(minutes=minutes)


@pytest.mark.parametrize("value", ["", "0", "2 days", "9999", "-30"])
def test_parse_duration_refuses(value):
    with pytest.raises(csvfile.CsvProblem):
        csvfile.parse_duration(value)


def test_split_full_name():
    assert csvfile.split_full_name("Ruiz, Ana") == ("Ana", "Ruiz")
    assert csvfile.split_full_name("Ana María  Ruiz") == ("Ana María", "Ruiz")
    with pytest.raises(csvfile.CsvProblem):
        csvfile.split_full_name("Cher")


def test_mapping_problems_say_what_is_missing():
    assert fields.mapping_problems("clients", {"full_name": "Name"}) == []
    assert fields.mapping_problems("clients", {"first_name": "A"}) == [
        "Choose the columns of the first and last name, or of the full name."
    ]
    assert fields.mapping_problems("clients", {"first_name": "A", "last_name": "A"}) == [
        "Each column can be used for one Relief field only."
    ]
    assert fields.mapping_problems("appointments", {"date": "D"}) == [
        "Choose the column of the start time.",
        "Choose the column of the therapist.",
        "Choose the column of the service.",
        "Choose a column that names the client: email, phone or name.",
    ]
