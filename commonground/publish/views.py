from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commonground.publish import datasets as ds
from commonground.publish import exports
from commonground.publish.dashboards import BY_SLUG, DASHBOARDS
from commonground.publish.selectors import (
    dashboard_panels,
    dictionary,
    latest_release,
    release_file,
)
from commonground.training import selectors as training
from commonground.training.models import PolicyCategory


@require_GET
def catalogue(request):
    release = latest_release()
    files = {f.dataset: f for f in release.files.all()} if release else {}
    entries = [(d, files.get(slug)) for slug, d in ds.DATASETS.items()]
    return render(request, "publish/catalogue.html", {"release": release, "entries": entries})


@require_GET
def dataset(request, slug: str):
    declared = ds.DATASETS.get(slug)
    if declared is None:
        raise Http404(_("There is no dataset called %(slug)s.") % {"slug": slug})
    file = release_file(slug)
    return render(
        request,
        "publish/dataset.html",
        {
            "dataset": declared,
            "file": file,
            "fields": dictionary(declared, file) if file else [],
        },
    )


@require_GET
def download(request, slug: str, fmt: str):
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(
            _("Unknown format %(format)s: choose csv, json or parquet.") % {"format": fmt},
            content_type="text/plain; charset=utf-8",
        )
    declared = ds.DATASETS.get(slug)
    if declared is None:
        raise Http404(_("There is no dataset called %(slug)s.") % {"slug": slug})
    file = release_file(slug)
    if file is None:
        raise Http404(_("This dataset has not been published yet."))
    if fmt == "csv":
        body = exports.csv_chunks(file)
    elif fmt == "json":
        body = exports.json_chunks(file, dictionary(declared, file))
    else:
        body = exports.parquet_chunks(file)
    response = StreamingHttpResponse(body, content_type=exports.FORMATS[fmt])
    built = file.release.finished_at
    response["Content-Disposition"] = f'attachment; filename="{slug}-{built:%Y-%m-%d}.{fmt}"'
    response["Last-Modified"] = http_date(built.timestamp())
    response["Cache-Control"] = f"public, max-age={60 * 60}"
    if fmt == "parquet":
        response["Content-Length"] = str(file.size)
    return response


@require_GET
def figures(request):
    return render(
        request,
        "publish/figures.html",
        {"dashboards": DASHBOARDS, "release": latest_release()},
    )


@require_GET
def dashboard(request, slug: str):
    board = BY_SLUG.get(slug)
    if board is None:
        raise Http404(_("There is no page of figures called %(slug)s.") % {"slug": slug})
    release = latest_release()
    return render(
        request,
        "publish/dashboard.html",
        {
            "dashboard": board,
            "panels": dashboard_panels(board, release),
            "release": release,
            "dashboards": DASHBOARDS,
        },
    )


# --- The policy library -------------------------------------------------------------------------


@require_GET
def policies(request):
    query = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    if category not in PolicyCategory.values:
        category = ""
    return render(
        request,
        "publish/policies.html",
        {
            "entries": training.search_library(query, category),
            "query": query,
            "category": category,
            "categories": PolicyCategory.choices,
        },
    )


@require_GET
def policy(request, slug: str, number: int | None = None):
    found = training.get_public_policy(slug)
    current = training.version_in_force(found)
    version = current if number is None else training.get_public_version(found, number)
    return render(
        request,
        "publish/policy.html",
        {
            "policy": found,
            "version": version,
            "current": current,
            "versions": training.published_versions().filter(policy=found).order_by("-number"),
        },
    )


@require_GET
def policy_pdf(request, slug: str, number: int):
    version = training.get_public_version(training.get_public_policy(slug), number)
    if not version.pdf:
        raise Http404(_("This version has no PDF."))
    return FileResponse(
        version.pdf.open("rb"),
        as_attachment=False,
        filename=f"{version.policy.slug}-v{version.number}.pdf",
        content_type="application/pdf",
    )
