from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from invopop_console import api


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes our tokens: `Authorization: Bearer <token>`."""

    target_class = "invopop_console.accounts.auth.BearerTokenAuthentication"
    name = "BearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}


PING = inline_serializer(
    "Ping",
    {
        "ping": serializers.CharField(),
        "workspace": inline_serializer(
            "PingWorkspace",
            {
                "id": serializers.UUIDField(),
                "slug": serializers.CharField(),
                "name": serializers.CharField(),
            },
        ),
    },
)


@extend_schema(responses={200: PING}, description="Check a token.")
@api_view(["GET"])
def ping(request):
    """Check a token: answers with the workspace the token acts for."""
    workspace = request.workspace
    return Response(
        {
            "ping": "pong",
            "workspace": {"id": str(workspace.id), "slug": workspace.slug, "name": workspace.name},
        }
    )


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under the API's prefixes, whatever the method. A plain view, not DRF's:
    DRF would list every method in an Allow header, for a path that has none."""
    return JsonResponse(api.error_body("not-found", "No such endpoint"), status=404)


# The OpenAPI document and its Swagger page, with drf_spectacular's views imported when one
# is asked for: they import DRF's test client and with it unittest (5 MB in the web process
# for two pages that few open; BENCHMARKS.md, footprint).


def openapi_schema(request, *args, **kwargs):
    from drf_spectacular.views import SpectacularAPIView

    return SpectacularAPIView.as_view()(request, *args, **kwargs)


def openapi_docs(request, *args, **kwargs):
    from drf_spectacular.views import SpectacularSwaggerView

    return SpectacularSwaggerView.as_view(url_name="api_schema")(request, *args, **kwargs)
