"""What an error report (the e-mail to ADMINS, or any handler that renders Django's technical
report) may show. A resident's request carries their address, browser, narrative, contact
details and tracking code; none of that may leave in an error report. So every posted value,
every local variable of the failing frames, cookies, and the request headers that identify a
client are replaced; the stack itself, the path and the method stay, which is what debugging
needs."""

from django.views.debug import SafeExceptionReporterFilter

IDENTIFYING_HEADERS = {
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_COOKIE",
    "HTTP_REFERER",
    "HTTP_AUTHORIZATION",
    "QUERY_STRING",
}


class PrivateExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request):
        return True  # in DEBUG too: a report pasted into an issue must be just as clean

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {name: self.cleansed_substitute for name in request.POST}

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        return {
            name: self.cleansed_substitute if name in IDENTIFYING_HEADERS else value
            for name, value in meta.items()
        }

    def get_safe_cookies(self, request):
        return {name: self.cleansed_substitute for name in getattr(request, "COOKIES", {})}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
