"""A radio button or checkbox whose label runs to two lines keeps its size: at phone width the
flex label used to squeeze it narrower than those with one-line labels."""

import pytest
from django.urls import reverse

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.testing.browser import assert_accessible

pytestmark = pytest.mark.browser

SIZES = """() => [...document.querySelectorAll('main input[type=radio], main input[type=checkbox]')]
  .filter(input => input.offsetParent !== null)
  .map(input => {
    const box = input.getBoundingClientRect();
    const label = input.closest('label') || document.querySelector(`label[for="${input.id}"]`);
    const lines = label ? Math.round(label.getBoundingClientRect().height / parseFloat(getComputedStyle(label).lineHeight)) : 1;
    return {name: input.name, value: input.value, width: box.width, height: box.height, lines};
  })"""


def assert_same_size(page):
    sizes = page.evaluate(SIZES)
    assert sizes
    one_line = [s for s in sizes if s["lines"] <= 1]
    two_lines = [s for s in sizes if s["lines"] >= 2]
    assert one_line and two_lines, "the page should have labels of one and of two lines"
    expected = (one_line[0]["width"], one_line[0]["height"])
    squeezed = [s for s in sizes if (s["width"], s["height"]) != expected]
    assert not squeezed, f"{expected} expected: {squeezed}"


def test_radios_with_two_line_labels_keep_their_size_on_a_phone(live_server, page, sign_in_browser):
    sign_in_browser(make_staff("clerk", Role.INTAKE_CLERK))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("complaints:staff_intake"))
    assert_same_size(page)
    assert_accessible(page)
    page.screenshot(path="/tmp/shots-h-staffui/intake-radios-390.png", full_page=True)


def test_the_residents_first_step_keeps_its_radios_the_same_size(live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/es/report/kind/")
    assert_same_size(page)
