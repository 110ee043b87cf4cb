"""OpenAPI schema and Swagger UI (drf-spectacular), served with local assets."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from .permissions import DeclaredRule, HasRole


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Shows the token header in the schema (and the docs' Authorize dialog)."""

    target_class = "api.rest.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from your API tokens page.",
        }


class SchemaView(DeclaredRule, SpectacularAPIView):
    permission_classes = [HasRole]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI. The page is guarded by the staff sign-in (its URL's rule);
    the init script is its own request, as the Content-Security-Policy allows
    no inline script, and the page's inline style is dropped for the same reason."""

    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
