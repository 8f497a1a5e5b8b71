from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commonground.publish import datasets as ds
from commonground.publish import exports
from commonground.publish.selectors import dictionary, latest_release, release_file


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
    response["Last-Modified"] = built.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["Cache-Control"] = f"public, max-age={60 * 60}"
    if fmt == "parquet":
        response["Content-Length"] = str(file.size)
    return response
