from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("api.rest.urls")),
    path("webhooks/", include(("api.webhooks.urls", "webhooks"))),
    path("export/", include(("api.exports.urls", "exports"))),
    path("import/", include(("api.imports.urls", "imports"))),
]
