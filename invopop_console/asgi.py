"""ASGI entry point: HTTP and websockets in one process (served by uvicorn).

HTTP goes to Django's WSGI handler in pools of threads (wsgi_bridge.py says why), websockets
to Channels."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invopop_console.settings")
os.environ.setdefault("ASGI_PROCESS", "1")  # connections of the web process: see settings.py
django_http = get_wsgi_application()  # sets Django up before the imports below

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from jobs.routing import websocket_urlpatterns  # noqa: E402

from .wsgi_bridge import WsgiBridge  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WsgiBridge(django_http, threads=settings.WEB_THREADS),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
