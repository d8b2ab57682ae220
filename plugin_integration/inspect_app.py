"""The web app of ``mmltr inspect`` (Flask): one static page and a small JSON API over an :class:`Inspector`.

Routes: ``/`` the page (``inspect_static/``: plain HTML, CSS and JavaScript, no build step); ``/api/options``
(rankers, users, whether there is a report); ``/api/compare`` (two rankers for one query and user);
``/api/explain`` (one result's feature contributions under a model); ``/image/<path>`` (a catalogue image, only
from the images folder); ``/report`` (the latest evaluation report).

Bad input never ends as a traceback or a 5xx: it is a 400 with ``{"error": message}``, the message naming the
input and the fix (the CLI's wording, :func:`.cli_support.error_message`). The app answers only requests
addressed to loopback names (``TRUSTED_HOSTS``), so a web page elsewhere cannot reach it through DNS rebinding.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from .cli_support import INPUT_ERRORS, error_message
from .errors import ClusterError, cluster_error
from .inspect_compare import MAX_K, Inspector
from .inspect_explain import explain
from .inspect_sources import UserChoice, image_file, image_url

if TYPE_CHECKING:
    from flask import Flask, Response

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("inspect_static")
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
#: The page loads its own script and style only; images may be the catalogue's URLs.
PAGE_POLICY = ("default-src 'self'; img-src 'self' data: http: https:; script-src 'self'; style-src 'self'; "
               "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")


@dataclass
class PageData:
    """What the app serves besides the rankings (read once at start)."""

    data_dir: Path
    images_dir: Path | None
    report: Path | None
    users: list[UserChoice]


def create_app(inspector: Inspector, data: PageData) -> Flask:
    """The app; Flask is imported here, so the CLI runs without the ``inspect`` extra until the page is asked for."""
    try:
        from flask import Flask, abort, jsonify, request, send_file  # optional: the inspect extra
        from werkzeug.exceptions import HTTPException
    except ImportError as exc:
        raise ImportError(f"mmltr inspect needs Flask ({exc}): pip install 'mmltr[inspect]'") from exc

    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["TRUSTED_HOSTS"] = LOOPBACK_HOSTS
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.errorhandler(Exception)
    def _error(exc: Exception) -> tuple[Response, int]:
        if isinstance(exc, HTTPException):
            return jsonify(error=exc.description or exc.name), exc.code or 500
        status = _status(exc)
        if status >= 500:
            log.error("inspect: %s failed", request.path, exc_info=exc)
        return jsonify(error=error_message(exc)), status

    @app.get("/")
    def page() -> Response:
        response = send_file(STATIC / "index.html", mimetype="text/html")
        response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response

    @app.get("/api/options")
    def options() -> Response:
        rankers = inspector.rankers()
        return jsonify(alias=inspector.alias, rankers=[
            {"name": r, "model": r not in ("bm25", "hybrid"), "personal": inspector.is_personal(r)} for r in rankers],
            users=[u.to_dict() for u in data.users], report=data.report is not None,
            defaults=_defaults(inspector, rankers), notes=inspector.notes, max_k=MAX_K)

    @app.get("/api/compare")
    def compare() -> Response:
        args = request.args
        comparison = inspector.compare(args.get("q", ""), _user(args.get("user")), _required(args, "left"),
                                       _required(args, "right"), _k(args.get("k")))
        body = comparison.to_dict()
        for side in ("left", "right"):
            for item in body[side]["items"]:
                item["image_url"] = image_url(item["source"].get("image"), data.images_dir)
        return jsonify(body)

    @app.get("/api/explain")
    def explain_one() -> Response:
        args = request.args
        query = args.get("q", "").strip()
        if not query:
            raise ValueError("the query is empty: explain a result of a search")
        with inspector.lock:
            explanation = explain(inspector.searcher, data.data_dir, _required(args, "model"), query,
                                  _user(args.get("user")), _required(args, "doc"))
        return jsonify(explanation.to_dict())

    @app.get("/image/<path:name>")
    def image(name: str) -> Response:
        path = image_file(data.images_dir, name)
        if path is None:
            abort(404, description=f"no image {name!r} in the images folder")
        return send_file(path, max_age=3600)

    @app.get("/report")
    def report() -> Response:
        if data.report is None:
            abort(404, description="no evaluation report: run mmltr evaluate JUDGMENTS --report DIR (or mmltr "
                                   "demo), then mmltr inspect --report DIR")
        return send_file(data.report, mimetype="text/html")

    return app


def _required(args: Any, name: str) -> str:
    value = (args.get(name) or "").strip()
    if not value:
        raise ValueError(f"the {name!r} parameter is missing: pick a {name} ranker" if name in ("left", "right")
                         else f"the {name!r} parameter is missing")
    return value


def _user(value: str | None) -> str | None:
    """Anonymous: absent or empty."""
    return value.strip() or None if value else None


def _k(value: str | None) -> int:
    if value in (None, ""):
        return 10
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"k must be a whole number between 1 and {MAX_K}, got {value!r}") from None


def _defaults(inspector: Inspector, rankers: list[str]) -> dict[str, str]:
    """bm25 on the left; on the right the newest personal model, else the newest model, else hybrid."""
    models = [r for r in rankers if r not in ("bm25", "hybrid")]
    personal = [m for m in models if inspector.is_personal(m)]
    right = (personal or models or [r for r in rankers if r == "hybrid"] or rankers)[-1]
    return {"left": rankers[0] if rankers else "bm25", "right": right}


def _status(exc: BaseException) -> int:
    """400 for bad input (also what the cluster refused with a 4xx: an unknown model, a bad query); 502 when
    the cluster failed or could not be reached; 500 for anything unexpected."""
    cluster = exc if isinstance(exc, ClusterError) else cluster_error(exc)
    if cluster is not None:
        return 400 if str(cluster.status).startswith("4") else 502
    return 400 if isinstance(exc, INPUT_ERRORS) else 500
