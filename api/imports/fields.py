"""What an import reads: the Relief fields of each kind and the header names
other systems give them (Jane, ClinicSense, MassageBook, Vagaro, Excel).

Pure: no models. Header names are compared after `csvfile.normalise_header`
(lower case, punctuation as spaces).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    synonyms: tuple[str, ...]
    help: str = ""


CLIENT_FIELDS = (
    Field(
        "first_name",
        "First name",
        ("first name", "firstname", "first", "given name", "client first name", "legal first name"),
    ),
    Field(
        "last_name",
        "Last name",
        ("last name", "lastname", "last", "surname", "family name", "client last name"),
    ),
    Field(
        "full_name",
        "Full name",
        ("name", "full name", "client name", "client", "customer name", "customer", "patient"),
        "Used when the file has no separate first and last name: “Ana Ruiz” or “Ruiz, Ana”.",
    ),
    Field("preferred_name", "Preferred name", ("preferred name", "nickname", "goes by")),
    Field(
        "email",
        "Email",
        ("email", "e mail", "email address", "client email", "customer email", "primary email"),
    ),
    Field(
        "phone",
        "Phone",
        (
            "mobile phone",
            "mobile",
            "cell phone",
            "cell",
            "mobile number",
            "phone",
            "phone number",
            "home phone",
            "primary phone",
            "telephone",
        ),
    ),
    Field(
        "date_of_birth",
        "Date of birth",
        ("date of birth", "dob", "birth date", "birthdate", "birthday", "d o b"),
    ),
    Field(
        "emergency_contact_name",
        "Emergency contact name",
        ("emergency contact", "emergency contact name", "emergency name"),
    ),
    Field(
        "emergency_contact_phone",
        "Emergency contact phone",
        ("emergency contact phone", "emergency phone", "emergency contact number"),
    ),
    Field(
        "consent_email_reminders",
        "Email reminders (yes/no)",
        ("email reminders", "email opt in", "email consent", "accepts email"),
        "Without this column, imported clients get email reminders, as new clients do.",
    ),
    Field(
        "consent_sms_reminders",
        "SMS reminders (yes/no)",
        ("sms reminders", "sms opt in", "text reminders", "sms consent", "accepts sms"),
        "Without this column, imported clients get no SMS until they agree to it.",
    ),
)

APPOINTMENT_FIELDS = (
    Field("date", "Date", ("date", "appointment date", "start date", "day", "booking date")),
    Field("start_time", "Start time", ("start time", "time", "start", "from", "begins")),
    Field("end_time", "End time", ("end time", "end", "to", "finish", "finish time")),
    Field(
        "duration",
        "Duration (minutes)",
        ("duration", "length", "minutes", "duration minutes", "duration min", "mins"),
        "Optional: checked against the service's length in Relief.",
    ),
    Field(
        "therapist",
        "Therapist",
        ("therapist", "practitioner", "staff", "staff member", "provider", "employee", "with"),
    ),
    Field(
        "service", "Service", ("service", "service name", "treatment", "appointment type", "type")
    ),
    Field("client_email", "Client email", ("client email", "email", "customer email", "e mail")),
    Field(
        "client_phone",
        "Client phone",
        ("client phone", "mobile phone", "phone", "customer phone", "mobile", "cell"),
    ),
    Field(
        "client_first_name",
        "Client first name",
        ("client first name", "first name", "customer first name", "patient first name"),
    ),
    Field(
        "client_last_name",
        "Client last name",
        ("client last name", "last name", "customer last name", "patient last name"),
    ),
    Field(
        "client_name",
        "Client full name",
        ("client", "client name", "customer", "customer name", "patient", "patient name", "name"),
    ),
    Field("location", "Location", ("location", "clinic", "branch", "site")),
    Field(
        "status",
        "Status",
        ("status", "appointment status", "state"),
        "Rows the other system marks cancelled or no-show are not imported.",
    ),
)

KIND_FIELDS = {"clients": CLIENT_FIELDS, "appointments": APPOINTMENT_FIELDS}


def fields_of(kind: str) -> tuple[Field, ...]:
    return KIND_FIELDS[kind]


def synonyms_of(kind: str) -> dict[str, tuple[str, ...]]:
    return {f.key: f.synonyms for f in KIND_FIELDS[kind]}


def mapping_problems(kind: str, mapping: dict[str, str]) -> list[str]:
    """Why a column mapping cannot be imported (what a row needs at the least)."""
    problems = []
    used = [column for column in mapping.values() if column]
    if len(used) != len(set(used)):
        problems.append("Each column can be used for one Relief field only.")
    if kind == "clients":
        if not (mapping.get("first_name") and mapping.get("last_name")) and not mapping.get(
            "full_name"
        ):
            problems.append("Choose the columns of the first and last name, or of the full name.")
    else:
        for key, label in (
            ("date", "date"),
            ("start_time", "start time"),
            ("therapist", "therapist"),
        ):
            if not mapping.get(key):
                problems.append(f"Choose the column of the {label}.")
        if not mapping.get("service"):
            problems.append("Choose the column of the service.")
        has_name = (mapping.get("client_first_name") and mapping.get("client_last_name")) or (
            mapping.get("client_name")
        )
        if not (mapping.get("client_email") or mapping.get("client_phone") or has_name):
            problems.append("Choose a column that names the client: email, phone or name.")
    return problems
