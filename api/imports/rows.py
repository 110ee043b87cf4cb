"""What the two kinds of rows share: the outcome of a run, and reading a row's cells."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import csvfile

PREVIEW_ROWS = 100


@dataclass
class Outcome:
    errors: list = field(default_factory=list)
    valid_rows: list = field(default_factory=list)
    preview: list = field(default_factory=list)
    created_ids: list = field(default_factory=list)

    def fail(self, row: int, messages: list[str]) -> None:
        self.errors.append({"row": row, "messages": messages})

    def passed(self, row: int, text: str, pk=None) -> None:
        self.valid_rows.append(row)
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append({"row": row, "text": text})
        if pk is not None:
            self.created_ids.append(str(pk))


class Cells:
    """A row's value for a Relief field, through the mapping ("" when not mapped)."""

    def __init__(self, mapping: dict):
        self.mapping = mapping

    def __call__(self, cells: dict, key: str) -> str:
        column = self.mapping.get(key)
        return cells.get(column, "") if column else ""


def split_names(first: str, last: str, full: str) -> tuple[str, str]:
    if not (first and last) and full:
        return csvfile.split_full_name(full)
    return first, last


def messages(exc: ValidationError, labels: dict, values: dict | None = None) -> list[str]:
    """One line per field: its label, the value as written in the file, and why."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    lines = []
    for name, errors in exc.message_dict.items():
        if name == "__all__":
            lines.append(" ".join(errors))
            continue
        label = labels.get(name, name.replace("_", " ").capitalize())
        raw = (values or {}).get(name, "")
        shown = f" “{raw[:40]}”" if raw else ""
        lines.append(f"{label}{shown}: {' '.join(errors)}")
    return lines
