from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from commonground.web import views as web_views

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Common Ground administration")

urlpatterns = [
    path("healthz", web_views.health, name="health"),
    path("", include("commonground.publish.api_urls")),
]
urlpatterns += i18n_patterns(
    path("", web_views.home, name="home"),
    path("", include("commonground.complaints.urls")),
    path("", include("commonground.investigations.urls")),
    path("", include("commonground.correspondence.urls")),
    path("", include("commonground.oversight.urls")),
    path("", include("commonground.evidence.urls")),
    path("", include("commonground.stops.urls")),
    path("", include("commonground.early_warning.urls")),
    path("", include("commonground.training.urls")),
    path("", include("commonground.surveys.urls")),
    path("", include("commonground.publish.urls")),
    path("", include("commonground.roster.urls")),
    path("", include("commonground.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

handler400 = "commonground.web.views.bad_request"
handler403 = "commonground.web.views.forbidden"
handler404 = "commonground.web.views.not_found"
handler500 = "commonground.web.views.server_error"
