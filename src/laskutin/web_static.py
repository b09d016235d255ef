"""The built front end (web/dist), served by `laskutin serve` in the single-machine mode.

It answers with the headers a CDN in front of web/dist would use (docs/operations.md#serving-
the-front-end):

- ``/assets/*``: Vite's content-hashed files, ``public, max-age=31536000, immutable``;
- every other file (index.html, the service worker ``sw.js`` with ``registerSW.js`` and
  ``workbox-*.js``, ``manifest.webmanifest``, icons): ``no-cache``, i.e. kept but revalidated,
  so a new deployment is seen on the next load; the ETag makes that a 304;
- any other GET or HEAD of a path that is no file (``/invoices/123``): index.html (``no-cache``),
  so that the app's own routes can be opened and reloaded. Never for the server's own paths
  (``/api``, ``/.well-known``, ``/healthz``, ``/readyz``, ``/metrics``, each with what is
  below it), nor for ``/assets/*``, nor for a name with an extension (``/robots.txt``): those
  keep the 404 problem.

It is the router's default, the app that gets what no route matched, not a route: every route
wins over it, also one added after create_app, and a wrong method on an API path still gets
its 405. Files come only from inside the folder (no ``..``, no dot-files, no symlink out of it),
and only regular files. Starlette's StaticFiles looks them up and answers conditional requests;
FileResponse sends them (ETag, Last-Modified, HEAD, ranges). Only the headers are ours. The
security headers middleware keeps the Cache-Control set here (api/security.py).

Text files of 1 KiB or more (JavaScript, CSS, HTML, JSON, the manifest, SVG) are sent gzip-
compressed to a client that accepts gzip, as a CDN would (the app's first screen is about 150 KB
of JavaScript, 50 KB compressed; Lighthouse's mobile score depends on it, bench/web_app.py).
Each file is compressed once per version (path, size, mtime) and kept in memory; the compressed
answer has its own ETag (the file's with ``-gzip``), and every answer of such a file says
``Vary: Accept-Encoding``. A request with a Range gets the file as it is.
"""

from __future__ import annotations

import errno
import gzip
import logging
import os
import stat
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

# Vite's output folder for content-hashed files: a new version has a new name.
HASHED_FOLDER = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
# Everything else keeps its name across versions: a cache must ask (a 304 is cheap).
REVALIDATE = "no-cache"
# The server's own paths, each with everything below it; never the web app's.
RESERVED = ("/api", "/.well-known", "/healthz", "/readyz", "/metrics")
METHODS = ("GET", "HEAD")
# The route label of these answers in metrics and the access log.
ROUTE_TEMPLATE = "/{path:path}"

# Fixed here rather than guessed by `mimetypes`, whose answers depend on the machine's
# /etc/mime.types and the Python version (.js, .webmanifest, .woff2 differ).
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
}
DEFAULT_MEDIA_TYPE = "application/octet-stream"

# Sent gzip-compressed when the client accepts it: text that compresses well.
COMPRESSIBLE = frozenset(
    {".html", ".js", ".mjs", ".css", ".map", ".json", ".webmanifest", ".txt", ".xml", ".svg"}
)
COMPRESS_MIN_BYTES = 1024  # below this the headers weigh more than the saving
COMPRESS_MAX_BYTES = 4 * 1024 * 1024  # bigger files go as they are (none in a Vite build)
COMPRESS_CACHE_ENTRIES = 512  # compressed bodies kept in memory (a build has about 40 files)

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Laskutin: the web app is not built</title></head>
<body>
<h1>The web app is not built</h1>
<p>This server serves the web app from the folder that <code>LASKUTIN_WEB_DIST_DIR</code> names
(by default <code>web/dist</code> in the repository), and there is no index.html in it.</p>
<p>Build it: <code>make run</code> builds it before it starts the service, or run
<code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>. No restart is needed.</p>
<p>Where a CDN serves the web app, set <code>LASKUTIN_SERVE_WEB=false</code>.
The API works meanwhile: <a href="/api/docs">/api/docs</a>.</p>
</body>
</html>
"""


def is_reserved(path: str) -> bool:
    """The server's own paths: ``/api`` and ``/api/...``, but not ``/apiary``."""
    return any(path == root or path.startswith(root + "/") for root in RESERVED)


def cache_control(relative: str) -> str:
    return IMMUTABLE if relative.startswith(HASHED_FOLDER + "/") else REVALIDATE


def media_type(relative: str) -> str:
    return MEDIA_TYPES.get(os.path.splitext(relative)[1].lower(), DEFAULT_MEDIA_TYPE)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip`` or ``*``, without ``q=0``)."""
    allowed: dict[str, bool] = {}
    for item in accept_encoding.lower().split(","):
        name, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            key, _, number = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(number)
                except ValueError:
                    q = 0.0
        if name:
            allowed[name] = q > 0
    return allowed.get("gzip", allowed.get("*", False))


def _segments(path: str) -> list[str] | None:
    """The path's segments, or None for one that is refused outright.

    The path is already percent-decoded, so ``%2e%2e`` arrives as ``..``. Refused: ``.`` and
    ``..``, every dot-file, backslashes and NUL. Empty segments (``//``, a trailing ``/``)
    are dropped.
    """
    segments = [segment for segment in path.split("/") if segment]
    for segment in segments:
        if segment.startswith(".") or "\\" in segment or "\x00" in segment:
            return None
    return segments


def _falls_back(segments: list[str]) -> bool:
    """Whether a path that is no file is an app route, answered with index.html."""
    if segments and segments[0] == HASHED_FOLDER:
        return False  # a missing hashed file: index.html in its place would break the page
    return not segments or "." not in segments[-1]  # a name with an extension is a file


class WebApp:
    """The router's default: the built front end, for what no route matched."""

    path_format = ROUTE_TEMPLATE  # read by laskutin.api.middleware.route_template

    def __init__(self, directory: Path, not_found: ASGIApp) -> None:
        self.directory = directory
        self.not_found = not_found
        # Used for its lookup (realpath, stays inside the folder) and its conditional checks.
        self.files = StaticFiles(directory=directory, check_dir=False)
        # (full path, size, mtime in ns) -> the gzip-compressed file
        self._gzipped: dict[tuple[str, int, int], bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_reserved(scope["path"]):
            await self.not_found(scope, receive, send)
            return
        scope["route"] = self
        if scope["method"] not in METHODS:
            raise HTTPException(405, headers={"Allow": ", ".join(METHODS)})
        segments = _segments(scope["path"])
        if segments is None:
            raise HTTPException(404)
        response: Response
        relative = "/".join(segments)
        found = await self._lookup(relative) if relative else None
        if found is None:
            if not _falls_back(segments):
                raise HTTPException(404)
            relative = "index.html"
            found = await self._lookup(relative)
        if found is None:
            response = HTMLResponse(NOT_BUILT_PAGE, status_code=404)
        else:
            response = await self._file_response(*found, relative, scope)
        await response(scope, receive, send)

    async def _lookup(self, relative: str) -> tuple[str, os.stat_result] | None:
        """The regular file at ``relative`` inside the folder, or None."""
        try:
            full_path, stat_result = await anyio.to_thread.run_sync(
                self.files.lookup_path, relative
            )
        except PermissionError:
            return None
        except OSError as exc:
            if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP):
                return None
            raise
        except ValueError:  # characters the file system refuses
            return None
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            return None
        return full_path, stat_result

    async def _file_response(
        self, full_path: str, stat_result: os.stat_result, relative: str, scope: Scope
    ) -> Response:
        request = Headers(scope=scope)
        headers = {"Cache-Control": cache_control(relative)}
        compressible = (
            os.path.splitext(relative)[1].lower() in COMPRESSIBLE
            and COMPRESS_MIN_BYTES <= stat_result.st_size <= COMPRESS_MAX_BYTES
        )
        if compressible:
            headers["Vary"] = "Accept-Encoding"
        response: Response = FileResponse(
            full_path, stat_result=stat_result, media_type=media_type(relative), headers=headers
        )
        if (
            compressible
            and "range" not in request
            and accepts_gzip(request.get("accept-encoding", ""))
        ):
            body = await self._gzip(full_path, stat_result)
            response = Response(
                body,
                media_type=response.media_type,
                headers={
                    **headers,
                    "Content-Encoding": "gzip",
                    "ETag": response.headers["etag"].removesuffix('"') + '-gzip"',
                    "Last-Modified": response.headers["last-modified"],
                },
            )
        if self.files.is_not_modified(response.headers, request):
            return NotModifiedResponse(response.headers)  # keeps Cache-Control and ETag
        return response

    async def _gzip(self, full_path: str, stat_result: os.stat_result) -> bytes:
        """The file gzip-compressed, once per version of it."""
        key = (full_path, stat_result.st_size, stat_result.st_mtime_ns)
        body = self._gzipped.get(key)
        if body is None:

            def compress() -> bytes:
                with open(full_path, "rb") as file:
                    return gzip.compress(file.read(), compresslevel=9, mtime=0)

            body = await anyio.to_thread.run_sync(compress)
            if len(self._gzipped) >= COMPRESS_CACHE_ENTRIES:
                self._gzipped.clear()  # a new build replaced the files: start again
            self._gzipped[key] = body
        return body


def serve_web_app(app: FastAPI, directory: Path) -> None:
    """Answer what no route of ``app`` matches from ``directory`` (see the module's text)."""
    app.router.default = WebApp(directory, not_found=app.router.default)
    if not (directory / "index.html").is_file():
        log.warning(
            "the web app is not built: %s has no index.html; `make run` builds it "
            "(or npm run build in web/); until then / says so",
            directory,
        )
