from django.contrib.auth import views as auth_views
from django.urls import path

from tasks_app import converters, views  # noqa: F401 - registers <task_id:>
from tasks_app.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.task_list, name="task-list"),
    path("tasks/new/", views.task_new, name="task-new"),
    path("tasks/<task_id:task_id>/", views.task_detail, name="task-detail"),
    path("tasks/<task_id:task_id>/row/", views.task_row, name="task-row"),
    path("tasks/<task_id:task_id>/summary/", views.task_summary, name="task-summary"),
    path("tasks/<task_id:task_id>/results/", views.task_results, name="task-results"),
    path(
        "tasks/<task_id:task_id>/download.xlsx",
        views.task_export,
        {"fmt": "xlsx"},
        name="task-download-xlsx",
    ),
    path(
        "tasks/<task_id:task_id>/download.csv",
        views.task_export,
        {"fmt": "csv"},
        name="task-download-csv",
    ),
    path("tasks/<task_id:task_id>/cancel/", views.task_cancel, name="task-cancel"),
    path("tasks/<task_id:task_id>/retry/", views.task_retry, name="task-retry"),
    path("search/", views.search, name="search"),
    path("search/collect/", views.collect, name="collect"),
]
