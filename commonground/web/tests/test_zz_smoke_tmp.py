import pytest


@pytest.mark.browser
def test_smoke(live_server, page, request):
    print(request._fixturemanager.getfixturedefs("browser_type_launch_args", request.node))
    page.goto("/en/")
    print(page.title(), page.evaluate("document.documentElement.lang"))
    print(page.context.browser.version)
