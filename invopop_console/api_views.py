from rest_framework.decorators import api_view
from rest_framework.response import Response


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
