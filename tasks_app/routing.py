from django.urls import path

from tasks_app.consumers import TasksConsumer

websocket_urlpatterns = [
    path("ws/tasks/", TasksConsumer.as_asgi()),
    path("ws/tasks/<str:task_id>/", TasksConsumer.as_asgi()),
]
