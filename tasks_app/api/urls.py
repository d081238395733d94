from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from platforms.api import AccountListView
from tasks_app import converters  # noqa: F401 - registers <task_id:>
from tasks_app.api import views

urlpatterns = [
    path("auth/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("tasks/", views.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<task_id:task_id>/", views.TaskDetailView.as_view(), name="api-task"),
    path("tasks/<task_id:task_id>/cancel/", views.TaskCancelView.as_view(), name="api-task-cancel"),
    path("tasks/<task_id:task_id>/retry/", views.TaskRetryView.as_view(), name="api-task-retry"),
    path("tasks/<task_id:task_id>/results/", views.TaskResultsView.as_view(), name="api-results"),
    path("search/", views.SearchView.as_view(), name="api-search"),
    path("platforms/", views.PlatformsView.as_view(), name="api-platforms"),
    path("accounts/", AccountListView.as_view(), name="api-accounts"),
    path("health/", views.HealthView.as_view(), name="api-health"),
]
