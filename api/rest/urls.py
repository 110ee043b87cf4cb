"""/api/: the REST API (v1), its schema and docs, and the token pages."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from practice.security.access import staff_required

from .schema import DocsView, SchemaView
from .views import resources, tokens

router = SimpleRouter()
router.register("locations", resources.LocationViewSet, basename="location")
router.register("services", resources.ServiceViewSet, basename="service")
router.register("therapists", resources.TherapistViewSet, basename="therapist")
router.register("clients", resources.ClientViewSet, basename="client")
router.register("appointments", resources.AppointmentViewSet, basename="appointment")
router.register("intakes", resources.IntakeViewSet, basename="intake")
router.register("scores", resources.ScoreViewSet, basename="score")
router.register("notes", resources.NoteViewSet, basename="note")
router.register("plans", resources.PlanViewSet, basename="plan")
router.register("invoices", resources.InvoiceViewSet, basename="invoice")
router.register("payments", resources.PaymentViewSet, basename="payment")

v1 = [
    path("availability/", resources.AvailabilityView.as_view(), name="availability"),
    *router.urls,
]

# DRF marks its views login-not-required (it signs requests in itself); the
# docs page is a page, so a visitor without a session goes to the login.
docs = staff_required(DocsView.as_view())
docs.login_required = True

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", docs, name="docs"),
    path("tokens/", tokens.tokens, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
]
