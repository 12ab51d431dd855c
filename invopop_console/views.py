from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from invopop_console.accounts.access import user_workspaces

from .embedded import redis_answers


@login_required
def home(request):
    """Back to the workspace used last, or the first one the user belongs to."""
    workspaces = user_workspaces(request.user)
    last = workspaces.filter(slug=request.session.get("workspace")).first()
    workspace = last or workspaces.first()
    if workspace is None:
        return render(request, "no_workspace.html")
    return redirect("dashboard", slug=workspace.slug)


def healthz(request):
    """For load balancers and `make run`: the database and Redis both answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    redis_ok = redis_answers(settings.REDIS_URL)
    return JsonResponse({"database": True, "redis": redis_ok}, status=200 if redis_ok else 503)
