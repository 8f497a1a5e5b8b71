"""Charts a resident can read on a phone and on a desktop, in both languages: text at least 12
CSS pixels as displayed, no label cut off, no two labels on top of each other, no chart wider
than the screen, and each chart shown once (the phone's drawing or the desktop's)."""

import pytest

from commonground.publish.actions import build_release
from commonground.stops.tests.test_analysis_pages import load_synthetic
from commonground.testing.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.files]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

MEASURE = """() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
    return {
      variant: svg.classList.contains('chart-narrow') ? 'narrow' : 'wide',
      right: box.right,
      bounds: [box.left, box.top, box.right, box.bottom],
      texts: texts.map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize) * scale,
                box: [r.left, r.top, r.right, r.bottom],
                hidden: t.getAttribute('opacity') === '0'};
      }),
    };
  })"""


def overlapping(a, b, slack=0.5) -> bool:
    return (
        a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]
    )


def check_charts(page, viewport) -> int:
    charts = page.evaluate(MEASURE)
    expected = "narrow" if viewport["width"] < 600 else "wide"
    for chart in charts:
        assert chart["variant"] == expected, page.url
        assert chart["right"] <= viewport["width"], (page.url, chart["right"])
        for text in chart["texts"]:
            assert text["size"] >= 12, (page.url, text["text"], text["size"])
            assert "…" not in text["text"], (page.url, text["text"])
            assert not text["hidden"], (page.url, text["text"], "hidden as overlapping")
            left, _top, right, _bottom = chart["bounds"]
            inside = text["box"][0] >= left - 1 and text["box"][2] <= right + 1
            assert inside, (page.url, text["text"], "runs off the chart")
        texts = chart["texts"]
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                assert not overlapping(a["box"], b["box"]), (page.url, a["text"], b["text"])
    return len(charts)


@pytest.mark.parametrize("language", ["en", "es"])
def test_public_charts_are_readable_on_a_phone_and_a_desktop(
    live_server, browser, tmp_path, analyst, language
):
    load_synthetic(
        tmp_path,
        analyst,
        n=60_000,
        stop_rates={"black": 2.0},
        darkness_effect=-0.4,
        hit_rates={"black": 0.2, "white": 0.3},
        search_rates={"black": 0.08},
    )
    build_release(by=analyst)
    for viewport in (PHONE, DESKTOP):
        page = browser.new_context(base_url=live_server.url, viewport=viewport).new_page()
        for board in ("stops", "outcomes", "complaints", "use-of-force"):
            page.goto(f"/{language}/figures/{board}/")
            drawn = check_charts(page, viewport)
            assert drawn >= 3, board
            assert_accessible(page)
        page.context.close()
