from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/django-rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tasks_app.api.urls")),
    path("", include("tasks_app.urls")),
]
