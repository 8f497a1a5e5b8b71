"""The surveys app's queued work. Each area keeps its tasks in a block of its own."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def rewrite_survey_tables() -> list[str]:
    """Nightly, and when a wave closes: leave nothing in the database's bookkeeping that could
    match a response to the invitation or phone case it used (see `surveys.storage`)."""
    from commonground.surveys.storage import rewrite_survey_tables as rewrite

    tables = rewrite()
    logger.info("Rewrote %d survey tables", len(tables))
    return tables


# --- results: weighting runs ---


@task()
def weigh_wave(run_id: int) -> str:
    """A weighting run's raking, estimates and small-area models (seconds to minutes)."""
    from commonground.surveys.actions import compute_weighting

    return compute_weighting(run_id=run_id).report.get("status", "")
