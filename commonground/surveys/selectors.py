"""Every non-trivial read of the surveys app. Each area keeps its selectors in a block of its own."""

# --- phone: telephone interviewing and paper entry ------------------------------------------

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Case as CaseWhen
from django.db.models import Count, IntegerField, Max, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from commonground.accounts.rules import can
from commonground.surveys import phone as phone_rules
from commonground.surveys.models import PhoneCase, PhoneCaseStatus, Wave, WaveStatus


def get_wave_for_user(user, pk: int, permission: str) -> Wave:
    """The wave, if the user holds the permission (PermissionDenied) and it exists (404)."""
    if not can(user, permission):
        raise PermissionDenied(permission)
    wave = Wave.objects.select_related("survey", "instrument").filter(pk=pk).first()
    if wave is None:
        raise Http404
    return wave


def open_waves() -> QuerySet:
    return Wave.objects.filter(status=WaveStatus.OPEN).select_related("survey", "instrument")


def phone_queue(wave: Wave, *, now: datetime.datetime | None = None) -> QuerySet:
    """The wave's cases that may be called now, in the order they are given out: callbacks
    that are due (earliest first), then numbers never called or not called for
    RETRY_AFTER_MINUTES (fewest calls first). Cases another interviewer holds are left out."""
    now = now or timezone.now()
    retry_before = now - datetime.timedelta(minutes=phone_rules.RETRY_AFTER_MINUTES)
    return (
        PhoneCase.objects.filter(wave=wave, used=False)
        .filter(Q(held_by__isnull=True) | Q(held_until__lte=now))
        .annotate(last_call=Max("calls__called_at"))
        .filter(
            Q(status=PhoneCaseStatus.CALLBACK, callback_at__lte=now)
            | (
                Q(status=PhoneCaseStatus.TO_CALL)
                & (Q(last_call__isnull=True) | Q(last_call__lte=retry_before))
            )
        )
        .annotate(
            due_callback=CaseWhen(
                When(status=PhoneCaseStatus.CALLBACK, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("due_callback", "callback_at", "attempts", "pk")
    )


def phone_progress(wave: Wave) -> dict:
    """How far the wave's phone sample has been worked: cases by status, calls made, and
    finished cases by disposition code. Counts only: no number is read."""
    cases = PhoneCase.objects.filter(wave=wave)
    by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    finished = dict(
        cases.filter(status=PhoneCaseStatus.FINAL)
        .values_list("disposition")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "total": sum(by_status.values()),
        "to_call": by_status.get(PhoneCaseStatus.TO_CALL, 0),
        "callback": by_status.get(PhoneCaseStatus.CALLBACK, 0),
        "final": by_status.get(PhoneCaseStatus.FINAL, 0),
        "completes": finished.get(phone_rules.COMPLETE, 0),
        "dispositions": sorted(
            (code, phone_rules.TELEPHONE[code].label if code in phone_rules.TELEPHONE else "", n)
            for code, n in finished.items()
        ),
    }


def interviewer_waves(user) -> list[tuple[Wave, int, int]]:
    """Open waves with a phone sample, each with how many of its cases could be called now and
    how many are booked as callbacks."""
    if not can(user, "surveys.interview"):
        return []
    now = timezone.now()
    waves = open_waves().filter(phone_cases__isnull=False).distinct()
    return [
        (
            wave,
            phone_queue(wave, now=now).count(),
            PhoneCase.objects.filter(wave=wave, status=PhoneCaseStatus.CALLBACK).count(),
        )
        for wave in waves
    ]


def get_held_case_for_user(user, pk: int) -> PhoneCase:
    """A case the user holds now and is still to be worked; 404 for any other (another
    interviewer's, a finished one, one whose hold has run out), so that a number is shown only
    to the interviewer working it."""
    if not can(user, "surveys.interview"):
        raise PermissionDenied("surveys.interview")
    case = (
        PhoneCase.objects.select_related("wave__instrument", "wave__survey", "district")
        .filter(
            pk=pk,
            held_by=user,
            held_until__gt=timezone.now(),
            used=False,
            wave__status=WaveStatus.OPEN,
        )
        .exclude(status=PhoneCaseStatus.FINAL)
        .first()
    )
    if case is None:
        raise Http404
    return case


def calls_of(case: PhoneCase) -> QuerySet:
    """The calls made to the case so far (for the interviewer working it)."""
    return case.calls.order_by("called_at", "pk")
