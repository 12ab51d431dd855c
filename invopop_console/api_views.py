from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
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


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([])
def not_found(request, *args, **kwargs):
    raise api.not_found("endpoint")
