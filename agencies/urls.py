from django.urls import path

from agencies.views import auth

app_name = "agencies"

urlpatterns = [
    path("sign-in/", auth.sign_in, name="sign-in"),
    path("sign-out/", auth.sign_out, name="sign-out"),
]
