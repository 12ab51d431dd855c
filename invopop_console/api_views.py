from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.response import Response

from invopop_console import api


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


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([])
def not_found(request, *args, **kwargs):
    raise api.not_found("endpoint")
