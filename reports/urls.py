from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data-quality/", views.data_quality, name="data-quality"),
    path("dashboard/tables/<slug:slug>.csv", views.table_csv, name="table-csv"),
]
