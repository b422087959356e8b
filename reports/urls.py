from django.urls import path

from reports import views, views_returns

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data-quality/", views.data_quality, name="data-quality"),
    path("dashboard/tables/<slug:slug>.csv", views.table_csv, name="table-csv"),
    path("dashboard/problem-profile/", views.problem_profile, name="problem-profile"),
    path("dashboard/problem-profile.pdf", views.problem_profile_pdf, name="problem-profile-pdf"),
    path("returns/", views_returns.returns, name="returns"),
    path(
        "template/partnership-data-template.<str:extension>",
        views_returns.template_blank,
        name="template-blank",
    ),
    path("returns/jobs/", views_returns.return_jobs, name="return-jobs"),
    path(
        "returns/schedules/<uuid:public_id>/stop/",
        views_returns.return_schedule_stop,
        name="return-schedule-stop",
    ),
    path("template/import/", views_returns.template_upload, name="template-upload"),
    path(
        "template/imports/<uuid:public_id>/",
        views_returns.template_import,
        name="template-import",
    ),
    path(
        "returns/<uuid:public_id>/download/",
        views_returns.return_download,
        name="return-download",
    ),
]
