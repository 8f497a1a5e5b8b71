from django_tasks import task


@task()
def weigh_wave(run_id: int) -> str:
    """A weighting run's raking, estimates and small-area models (seconds to minutes)."""
    from commonground.surveys.actions import compute_weighting

    return compute_weighting(run_id=run_id).report.get("status", "")
