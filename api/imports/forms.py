"""Import forms: the upload, and the column mapping built from the file's headers."""

from django import forms

from . import csvfile, fields
from .models import ImportBatch
from .services import MAX_APPOINTMENT_ROWS

NOT_IN_FILE = ""


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="The file holds",
        choices=ImportBatch.Kind.choices,
        widget=forms.RadioSelect,
        initial=ImportBatch.Kind.CLIENTS,
    )
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"As exported from your previous system or a spreadsheet: at most "
            f"{csvfile.MAX_BYTES // 2**20} MB, {csvfile.MAX_ROWS:,} clients or "
            f"{MAX_APPOINTMENT_ROWS} appointments a file. Comma, semicolon or tab "
            "separated; UTF-8 or Windows encoding."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.tsv,text/csv", "class": "form-control"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csvfile.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.1f} MB; at most "
                f"{csvfile.MAX_BYTES // 2**20} MB can be imported at a time."
            )
        return upload


class MappingForm(forms.Form):
    """One choice per Relief field: which column of the file holds it."""

    def __init__(self, *args, batch: ImportBatch, **kwargs):
        super().__init__(*args, **kwargs)
        columns = [(NOT_IN_FILE, "— not in the file —")] + [(h, h) for h in batch.headers]
        self.relief_fields = fields.fields_of(batch.kind)
        for field in self.relief_fields:
            self.fields[field.key] = forms.ChoiceField(
                label=field.label,
                choices=columns,
                required=False,
                initial=batch.mapping.get(field.key, NOT_IN_FILE),
                help_text=field.help,
            )
        self.fields["date_order"] = forms.ChoiceField(
            label="Dates in the file are written",
            choices=list(csvfile.DATE_ORDERS.items()),
            initial=batch.date_order,
            widget=forms.Select(attrs={"class": "form-select"}),
        )

    def mapping(self) -> dict:
        return {f.key: self.cleaned_data[f.key] for f in self.relief_fields}
