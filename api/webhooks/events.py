"""The events a webhook endpoint can subscribe to (pure: names and labels only)."""

APPOINTMENT_BOOKED = "appointment.booked"
APPOINTMENT_RESCHEDULED = "appointment.rescheduled"
APPOINTMENT_CANCELLED = "appointment.cancelled"
INTAKE_SUBMITTED = "intake.submitted"
NOTE_SIGNED = "note.signed"
INVOICE_ISSUED = "invoice.issued"
PAYMENT_RECEIVED = "payment.received"
# Sent by the owner's "send test event" button to one endpoint; not subscribable.
TEST = "webhook.test"

LABELS = {
    APPOINTMENT_BOOKED: "Appointment booked",
    APPOINTMENT_RESCHEDULED: "Appointment rescheduled",
    APPOINTMENT_CANCELLED: "Appointment cancelled",
    INTAKE_SUBMITTED: "Intake form submitted",
    NOTE_SIGNED: "Session note signed",
    INVOICE_ISSUED: "Invoice issued",
    PAYMENT_RECEIVED: "Payment received",
}
SUBSCRIBABLE = tuple(LABELS)
CHOICES = [(name, f"{label} ({name})") for name, label in LABELS.items()]


def encode(names) -> str:
    """The stored form of a subscription list: ",a,b," in the canonical order."""
    chosen = set(names)
    return "," + ",".join(name for name in SUBSCRIBABLE if name in chosen) + ","
