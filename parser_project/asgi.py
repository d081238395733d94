"""The ASGI entry point daphne serves: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parser_project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the consumers do).
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from tasks_app.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        # The few static files (CSS, one small script) are served by daphne
        # itself, so one process is the whole web tier.
        "http": ASGIStaticFilesHandler(django_http),
        # Session (cookie) sockets are checked against ALLOWED_HOSTS origins;
        # token clients have no Origin header (tasks_app/ws_auth.py).
        "websocket": websocket_application(),
    }
)
