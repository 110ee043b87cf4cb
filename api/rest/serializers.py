"""What each API record shows, and the shape checks of the API's writes.

Serializers check shape only (types, ids inside the user's scope); the
booking rules stay in practice.services, which the views call.
"""

from datetime import timedelta

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import Invoice, InvoiceLine, Payment
from clients.models import Client, Intake, Score
from clients.selectors import clients_visible_to
from practice.models import Appointment, Location, Room, Service, Therapist
from sessions.models import Goal, NoteAmendment, SessionNote, TechniqueApplication, TreatmentPlan


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "address", "phone", "time_zone"]


class ServiceSerializer(serializers.ModelSerializer):
    duration_minutes = serializers.SerializerMethodField()
    buffer_after_minutes = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "duration_minutes",
            "buffer_after_minutes",
            "price",
            "needs_room",
            "active",
        ]

    def get_duration_minutes(self, service) -> int:
        return int(service.duration.total_seconds() // 60)

    def get_buffer_after_minutes(self, service) -> int:
        return int(service.buffer_after.total_seconds() // 60)


class TherapistSerializer(serializers.ModelSerializer):
    class Meta:
        model = Therapist
        fields = ["id", "display_name", "credentials", "licence_number", "colour", "active"]
        fields += ["services"]


class ClientSerializer(serializers.ModelSerializer):
    # As stored: E.164, or what was typed when it was not a valid number
    # (selectors.api_clients).
    phone = serializers.CharField(source="phone_text", read_only=True)
    emergency_contact_phone = serializers.CharField(
        source="emergency_contact_phone_text", read_only=True
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "email",
            "phone",
            "emergency_contact_name",
            "emergency_contact_phone",
            "consent_email_reminders",
            "consent_sms_reminders",
            "primary_therapist",
            "archived",
            # Yes or no only: the details are clinical (intakes, for those who may).
            "has_red_flags",
            "created_at",
        ]


class AppointmentSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.full_name", read_only=True)
    therapist_name = serializers.CharField(source="therapist.display_name", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "client",
            "client_name",
            "therapist",
            "therapist_name",
            "service",
            "service_name",
            "location",
            "room",
            "starts_at",
            "ends_at",
            "occupied_until",
            "status",
            "source",
            "booked_at",
            "cancel_reason",
            "cancelled_at",
            "late_cancel",
            "series_id",
        ]


class IntakeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Intake
        # Not the consent IP address nor the link and form tokens: no client of
        # the API needs them, and they identify a device.
        exclude = ["consent_ip", "link", "form_token", "submitted_by"]


class ScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Score
        fields = [
            "id",
            "client",
            "instrument",
            "instrument_version",
            "value",
            "item_answers",
            "recorded_at",
            "context",
            "appointment",
        ]


class TechniqueApplicationSerializer(serializers.ModelSerializer):
    technique = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = TechniqueApplication
        fields = ["technique", "body_regions", "side", "minutes", "pressure", "notes"]


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoteAmendment
        fields = ["id", "author", "text", "created_at"]


class SessionNoteSerializer(serializers.ModelSerializer):
    # A signed note as the API shows it: the schema's description, and the
    # reference api.rest.rows.notes is tested against (it writes the lists).
    techniques = TechniqueApplicationSerializer(many=True, read_only=True)
    amendments = AmendmentSerializer(many=True, read_only=True)

    class Meta:
        model = SessionNote
        fields = [
            "id",
            "appointment",
            "client",
            "therapist",
            "plan",
            "subjective",
            "objective",
            "assessment",
            "plan_text",
            "pressure",
            "client_response",
            "home_care",
            "status",
            "signed_at",
            "content_hash",
            "techniques",
            "amendments",
        ]


class GoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "description", "instrument", "direction", "target_value"]
        fields += ["target_date", "achieved_at"]


class TreatmentPlanSerializer(serializers.ModelSerializer):
    goals = GoalSerializer(many=True, read_only=True)
    planned_techniques = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = TreatmentPlan
        fields = [
            "id",
            "client",
            "therapist",
            "status",
            "problem_summary",
            "frequency",
            "planned_sessions",
            "planned_techniques",
            "focus_regions",
            "start_date",
            "review_date",
            "closed_at",
            "goals",
        ]


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["kind", "description", "service", "therapist", "quantity", "unit_price"]
        fields += ["tax_rate", "net", "tax"]


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    # Derived in the query (billing.selectors.with_balance), never stored.
    paid = serializers.DecimalField(
        source="paid_total", max_digits=12, decimal_places=2, read_only=True
    )
    refunded = serializers.DecimalField(
        source="refunded_total", max_digits=12, decimal_places=2, read_only=True
    )
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "client",
            "appointment",
            "status",
            "currency",
            "subtotal",
            "tax",
            "total",
            "paid",
            "refunded",
            "balance",
            "issued_at",
            "voided_at",
            "lines",
        ]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "invoice", "method", "amount", "reference", "received_at"]


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    local_time = serializers.DateTimeField(source="local")
    therapist = serializers.IntegerField(source="therapist_id")
    location = serializers.IntegerField(source="location_id")
    time_zone = serializers.CharField()


# Inputs ----------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """A time with its UTC offset: a bare local time is ambiguous in a practice
    with locations in several time zones, and around daylight-saving changes."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-12-03T10:00:00-05:00.",
    }

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            self.fail("naive")
        return super().enforce_timezone(value)


@extend_schema_field(OpenApiTypes.UUID)
class ScopedClientField(serializers.PrimaryKeyRelatedField):
    """A client the requesting user may see; any other id is "does not exist"."""

    def get_queryset(self):
        return clients_visible_to(self.context["request"].user)


class BookingInput(serializers.Serializer):
    client = ScopedClientField()
    therapist = serializers.PrimaryKeyRelatedField(queryset=Therapist.objects.all())
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all())
    starts_at = AwareDateTimeField()
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True
    )
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(), required=False, allow_null=True
    )


class MoveInput(serializers.Serializer):
    starts_at = AwareDateTimeField()
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.all(), required=False, allow_null=True
    )
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(), required=False, allow_null=True
    )


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    following = serializers.BooleanField(
        default=False, help_text="Also cancel the later dates of its series."
    )


class AvailabilityQuery(serializers.Serializer):
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.filter(active=True))
    therapist = serializers.PrimaryKeyRelatedField(
        queryset=Therapist.objects.filter(active=True), required=False, allow_null=True
    )
    date = serializers.DateField(required=False, help_text="First local day; default today.")
    days = serializers.IntegerField(min_value=1, max_value=14, default=7)

    def validate_date(self, value):
        horizon = timedelta(days=settings.RELIEF_BOOKING_HORIZON_DAYS)
        if value and (value.year < 2000 or value - value.today() > horizon):
            raise serializers.ValidationError("Pick a day inside the booking horizon.")
        return value


class AppointmentFilter(serializers.Serializer):
    """Optional filters of the appointment list."""

    starts_after = AwareDateTimeField(required=False)
    starts_before = AwareDateTimeField(required=False)
    therapist = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    client = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=Appointment.Status.choices, required=False)
