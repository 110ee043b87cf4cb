"""REST API endpoints (/api/v1/): thin views over the pages' selectors and services.

Reads start from the scoping selectors in api.rest.selectors; writes call the
same practice.services as the booking and appointment pages, so clash errors,
reminders and the audit trail are theirs.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from clients.models import Client, Intake
from clients.ratelimit import client_ip
from practice import selectors as practice_selectors
from practice import services as practice_services
from practice.availability import zone
from practice.security.access import Role
from practice.security.audit import audit_reads_by_pk
from sessions.models import SessionNote

from .. import rows, selectors
from .. import serializers as s
from ..pagination import cursor_by
from ..permissions import DeclaredRule, HasRole

CLINICAL_ROLES = frozenset({Role.OWNER, Role.THERAPIST})
BILLING_ROLES = frozenset({Role.OWNER, Role.FRONT_DESK})

ERROR = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(required=False),
            },
        )
    },
)
ERRORS = {
    400: OpenApiResponse(ERROR, description="Invalid input; `fields` names each field."),
    401: OpenApiResponse(ERROR, description="No token, or an unknown, expired or revoked one."),
    403: OpenApiResponse(ERROR, description="Visible, but your role may not do this."),
    404: OpenApiResponse(ERROR, description="No such record within your scope."),
    409: OpenApiResponse(ERROR, description="Booking clash (code `clash`)."),
}


class ReadOnly(DeclaredRule, mixins.ListModelMixin, mixins.RetrieveModelMixin,
               viewsets.GenericViewSet):  # fmt: skip
    # A read-only endpoint. Its list and its records take the same steps: the
    # user's scope (`scoped`), the `?client=` filter where it applies, the
    # audit of the reads, then the representation; endpoints differ only there.
    # (No docstring: the schema shows an endpoint's own.)

    permission_classes = [HasRole]
    # Set by each endpoint: the scoped queryset for the requesting user.
    scoped = None
    # `?client=<uuid>`: one client's records (the clinical and billing lists).
    by_client = False
    # Whether `scoped` takes `listing`: records of the user's clients, whose
    # scope has a form for a list and one for a record (records_of_visible_clients).
    scoped_lists = False

    # A list written from `.values()` rows (rows.PlainRows of the serializer),
    # for serializers of plain columns; a record is still the serializer's.
    list_rows = None

    def get_queryset(self):
        if self.scoped_lists:
            queryset = self.scoped(self.request.user, listing=self.action == "list")
        else:
            queryset = self.scoped(self.request.user)
        if self.list_rows is not None and self.action == "list":
            return queryset.values(*self.list_rows.columns)
        return queryset

    def filter_queryset(self, queryset):
        return _by_client(self.request, queryset) if self.by_client else queryset

    def audit(self, records):
        """Record reads of clinical records; a no-op for the rest."""

    def audit_reads(self, model, pks):
        audit_reads_by_pk(model, pks, actor=self.request.user, remote_addr=client_ip(self.request))

    def represent(self, records) -> list:
        if self.list_rows is not None and self.action == "list":
            return self.list_rows(records)
        return self.get_serializer(records, many=True).data

    def shown(self, records) -> list:
        self.audit(records)
        return self.represent(records)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.shown(page))

    def retrieve(self, request, *args, **kwargs):
        [record] = self.shown([self.get_object()])
        return Response(record)


def _unscoped(queryset_function):
    return staticmethod(lambda user: queryset_function())


class LocationViewSet(ReadOnly):
    """The practice's locations, with their time zones."""

    serializer_class = s.LocationSerializer
    lookup_url_kwarg = "location_id"
    scoped = _unscoped(selectors.api_locations)
    pagination_class = cursor_by("id")


class ServiceViewSet(ReadOnly):
    """The services offered, with their length and cleanup time."""

    serializer_class = s.ServiceSerializer
    lookup_url_kwarg = "service_id"
    scoped = _unscoped(selectors.api_services)
    pagination_class = cursor_by("id")


class TherapistViewSet(ReadOnly):
    """The therapists, with the services each offers."""

    serializer_class = s.TherapistSerializer
    lookup_url_kwarg = "therapist_id"
    scoped = _unscoped(selectors.api_therapists)
    pagination_class = cursor_by("id")


class ClientViewSet(ReadOnly):
    """Clients you may open: all for owner and front desk, a therapist's own clients."""

    serializer_class = s.ClientSerializer
    lookup_url_kwarg = "client_id"
    scoped = staticmethod(selectors.api_clients)
    pagination_class = cursor_by("last_name", "first_name", "id")
    list_rows = rows.PlainRows(s.ClientSerializer)

    def audit(self, records):
        # Opening one client is a chart read, as on the client page; a list is not.
        if self.action == "retrieve":
            self.audit_reads(Client, [record.pk for record in records])


class IntakeViewSet(ReadOnly):
    """Intake answers: owner, and therapists for their clients. Every read is audited."""

    allowed_roles = CLINICAL_ROLES
    serializer_class = s.IntakeSerializer
    lookup_url_kwarg = "intake_id"
    scoped = staticmethod(selectors.api_intakes)
    scoped_lists = True
    pagination_class = cursor_by("-submitted_at", "id")
    by_client = True

    list_rows = rows.PlainRows(s.IntakeSerializer)

    def audit(self, records):
        self.audit_reads(Intake, [_column(record, "id") for record in records])


class ScoreViewSet(ReadOnly):
    """Outcome scores (pain, PEG, stress, sleep ...): who may see the client's chart."""

    allowed_roles = CLINICAL_ROLES
    serializer_class = s.ScoreSerializer
    lookup_url_kwarg = "score_id"
    scoped = staticmethod(selectors.api_scores)
    scoped_lists = True
    # Newest first by id (insertion order), which the primary key's index
    # serves; `recorded_at` has no index of its own.
    pagination_class = cursor_by("-id")
    by_client = True

    list_rows = rows.PlainRows(s.ScoreSerializer)

    def audit(self, records):
        # Scores are the chart: one chart read per client whose scores were listed.
        self.audit_reads(Client, dict.fromkeys(_column(record, "client") for record in records))


class NoteViewSet(ReadOnly):
    """Signed session notes (drafts stay with their author), with amendments. Audited."""

    allowed_roles = CLINICAL_ROLES
    # The schema's description; the rows are written by rows.notes, in its shape.
    serializer_class = s.SessionNoteSerializer
    lookup_url_kwarg = "signed_note_id"
    scoped = staticmethod(selectors.api_signed_notes)
    scoped_lists = True
    pagination_class = cursor_by("-signed_at", "id")
    by_client = True

    def audit(self, records):
        self.audit_reads(SessionNote, [record["id_text"] for record in records])

    def represent(self, records):
        return rows.notes(records)


class PlanViewSet(ReadOnly):
    """Treatment plans with their goals: owner, and therapists for their clients."""

    allowed_roles = CLINICAL_ROLES
    serializer_class = s.TreatmentPlanSerializer
    lookup_url_kwarg = "plan_id"
    scoped = staticmethod(selectors.api_plans)
    scoped_lists = True
    pagination_class = cursor_by("-created_at", "id")
    by_client = True


class InvoiceViewSet(ReadOnly):
    """Invoices with their lines and derived balance: owner and front desk."""

    allowed_roles = BILLING_ROLES
    serializer_class = s.InvoiceSerializer
    lookup_url_kwarg = "invoice_id"
    scoped = staticmethod(selectors.api_invoices)
    pagination_class = cursor_by("-created_at", "id")
    by_client = True


class PaymentViewSet(ReadOnly):
    """Payments against invoices: owner and front desk."""

    allowed_roles = BILLING_ROLES
    serializer_class = s.PaymentSerializer
    lookup_url_kwarg = "payment_id"
    scoped = staticmethod(selectors.api_payments)
    pagination_class = cursor_by("-received_at", "id")


def _column(record, name):
    """A column's value of a record read as a model instance or as a row (list_rows);
    for a foreign key, the related row's key."""
    return record[name] if isinstance(record, dict) else record.serializable_value(name)


def _by_client(request, queryset):
    """`?client=<uuid>`: one client's records; a malformed id matches nothing."""
    wanted = request.query_params.get("client")
    if wanted is None:
        return queryset
    field = serializers.UUIDField()
    try:
        return queryset.filter(client_id=field.to_internal_value(wanted))
    except serializers.ValidationError:
        return queryset.none()


class AppointmentViewSet(ReadOnly, mixins.CreateModelMixin):
    """The calendar (every staff member reads it), and booking, moving, cancelling
    through the same services and rules as the pages."""

    serializer_class = s.AppointmentSerializer
    lookup_url_kwarg = "appointment_id"
    scoped = staticmethod(selectors.api_appointments)
    pagination_class = cursor_by("starts_at", "id")

    def get_queryset(self):
        # A list is written from plain rows (rows.appointments); a record, and
        # what a booking, move or cancellation answers, by the serializer.
        queryset = super().get_queryset()
        return selectors.api_appointment_rows(queryset) if self.action == "list" else queryset

    def represent(self, records):
        return rows.appointments(records) if self.action == "list" else super().represent(records)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = s.AppointmentFilter(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        if "starts_after" in wanted:
            queryset = queryset.filter(starts_at__gte=wanted["starts_after"])
        if "starts_before" in wanted:
            queryset = queryset.filter(starts_at__lt=wanted["starts_before"])
        for name in ("therapist", "client", "status"):
            if name in wanted:
                queryset = queryset.filter(**{name: wanted[name]})
        return queryset

    def _managed(self):
        appointment = self.get_object()
        if not practice_selectors.can_manage_appointment(self.request.user, appointment):
            raise PermissionDenied("You may not change this appointment.", code="not_allowed")
        return appointment

    @extend_schema(request=s.BookingInput, responses={201: s.AppointmentSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        """Book an appointment (front desk and owner; therapists if the practice allows)."""
        if not practice_selectors.can_book(request.user):
            raise PermissionDenied("Your role may not book appointments.", code="not_allowed")
        data = _valid(s.BookingInput, request)
        appointment = practice_services.appointment_book(
            client=data["client"],
            therapist=data["therapist"],
            service=data["service"],
            starts_at=data["starts_at"],
            room=data.get("room"),
            location=data.get("location"),
            booked_by=request.user,
        )
        body = self.get_serializer(appointment).data
        url = request.build_absolute_uri(f"{appointment.pk}/")
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": url})

    @extend_schema(request=s.MoveInput, responses={200: s.AppointmentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def move(self, request, **kwargs):
        """Move to another time (and therapist, for those who book for anyone)."""
        appointment = self._managed()
        data = _valid(s.MoveInput, request)
        therapist = data.get("therapist") or appointment.therapist
        if therapist != appointment.therapist and not practice_selectors.can_book(request.user):
            # Moving to another therapist is a booking for someone else.
            raise PermissionDenied("You may not move it to another therapist.", code="not_allowed")
        moved = practice_services.appointment_reschedule(
            appointment=appointment,
            starts_at=data["starts_at"],
            therapist=therapist,
            room=data.get("room"),
            by=request.user,
        )
        return Response(self.get_serializer(moved).data)

    @extend_schema(
        request=s.CancelInput,
        responses={
            200: inline_serializer(
                "Cancelled",
                {
                    "appointment": s.AppointmentSerializer(),
                    "cancelled": serializers.ListField(child=serializers.UUIDField()),
                },
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, **kwargs):
        """Cancel (never delete); `following` also cancels the later dates of its series."""
        appointment = self._managed()
        data = _valid(s.CancelInput, request)
        if data["following"] and appointment.series_id:
            cancelled = practice_services.appointment_cancel_following(
                appointment=appointment, by=request.user, reason=data["reason"]
            )
        else:
            cancelled = [
                practice_services.appointment_cancel(
                    appointment=appointment, by=request.user, reason=data["reason"]
                )
            ]
        first = self.scoped(request.user).get(pk=cancelled[0].pk)
        return Response(
            {
                "appointment": self.get_serializer(first).data,
                "cancelled": [str(a.pk) for a in cancelled],
            }
        )


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class AvailabilityView(DeclaredRule, APIView):
    """Free start times for a service over up to 14 local days, one therapist or any."""

    permission_classes = [HasRole]

    @extend_schema(
        parameters=[s.AvailabilityQuery],
        responses={
            200: inline_serializer(
                "Availability",
                {
                    "slots": s.SlotSerializer(many=True),
                    "therapists": serializers.DictField(child=serializers.CharField()),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        query = s.AvailabilityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        location = practice_selectors.default_location()
        first_day = wanted.get("date") or timezone.localdate(
            timezone=zone(location.time_zone) if location else None
        )
        slots, names = practice_selectors.available_slots(
            service=wanted["service"],
            first_day=first_day,
            days=wanted["days"],
            therapist=wanted.get("therapist"),
        )
        return Response(
            {
                "slots": s.SlotSerializer(slots, many=True).data,
                "therapists": {str(pk): name for pk, name in names.items()},
            }
        )
