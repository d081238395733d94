from typing import Any

from channels.routing import URLRouter
from django.urls import path

from tasks_app.consumers import TasksConsumer
from tasks_app.ws_auth import websocket_stack

websocket_urlpatterns = [
    path("ws/tasks/", TasksConsumer.as_asgi()),
    # Any string: the consumer refuses what is not the user's task with 4404.
    path("ws/tasks/<str:task_id>/", TasksConsumer.as_asgi()),
]


def websocket_application() -> Any:
    """What parser_project.asgi serves for "websocket": the routes behind their auth stack."""
    return websocket_stack(URLRouter(websocket_urlpatterns))
