"""The one place where cartgraph makes network requests: POSTs to a SPARQL server.

:class:`Http` sends a request and hands back the body, its media type and the
headers, or raises one clear :class:`~cartgraph.errors.CartgraphError`:

- credentials: a bearer token (``CARTGRAPH_TOKEN``) is sent with every request;
  a user name and password answer the server's HTTP Basic or Digest challenge.
  Either goes only over https or to a loopback address, unless the caller sets
  ``allow_insecure`` (``CARTGRAPH_ALLOW_HTTP_AUTH=1`` on the command line);
- redirects are never followed: a credential sent to the URL the user named
  must not reach another address, and an update must not silently land
  elsewhere. The error names the target so the user can choose it;
- loopback addresses never go through a proxy the environment names.
"""

from __future__ import annotations

import http.client
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError, QueryError, RemoteError

__all__ = ["Answer", "Http", "is_loopback", "read_password"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in _LOOPBACK or host.startswith("127.")


def read_password(path: str | None) -> str | None:
    """The first line of a password file (None without a file: the environment's)."""
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().rstrip("\r\n")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the password file: "
                         f"{exc.strerror or exc}") from None


@dataclass(frozen=True)
class Answer:
    """A successful response: body, media type (lower case, no parameters), headers."""

    body: bytes
    media: str
    headers: dict[str, str]  # names lower-cased


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand every redirect back as an HTTP error (see the module docstring)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Http:
    """Requests to the endpoints of one remote store."""

    def __init__(self, *, token: str | None = None, user: str | None = None,
                 password: str | None = None, timeout: float = 60.0,
                 allow_insecure: bool = False) -> None:
        self.token, self.user, self.timeout = token or None, user or None, timeout
        self._password = password or ""
        self.allow_insecure = allow_insecure
        self._openers: dict[bool, urllib.request.OpenerDirector] = {}
        self._checked: set[str] = set()
        self._passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        if self.user:  # the password answers challenges from these URLs only
            self._passwords.add_password(None, url, self.user, self._password)
        direct = is_loopback(url)
        if direct not in self._openers:
            handlers: list[Any] = [_NoRedirects()]
            if direct:  # loopback never goes through a proxy the environment names
                handlers.append(urllib.request.ProxyHandler({}))
            if self.user:
                handlers += [urllib.request.HTTPBasicAuthHandler(self._passwords),
                             urllib.request.HTTPDigestAuthHandler(self._passwords)]
            self._openers[direct] = urllib.request.build_opener(*handlers)
        return self._openers[direct]

    def _check_credentials(self, url: str) -> None:
        if url in self._checked:
            return
        if ((self.token or self.user) and not self.allow_insecure
                and urlsplit(url).scheme != "https" and not is_loopback(url)):
            what = "a token" if self.token else "a password"
            raise RemoteError(f"{url}: refusing to send {what} over plain http to another "
                              "machine; use https, or set CARTGRAPH_ALLOW_HTTP_AUTH=1 if the "
                              "network is trusted")
        self._checked.add(url)

    def post(self, url: str, body: bytes, content_type: str, *, accept: str,
             source: str = "request", offset: int = 0) -> Answer:
        """POST ``body``; a SPARQL syntax error is reported at ``source``'s own line."""
        self._check_credentials(url)
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": content_type, "Accept": accept, "User-Agent": "cartgraph"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self._opener(url).open(request, timeout=self.timeout) as response:
                media = (response.headers.get("Content-Type") or "").split(";")[0]
                headers = {k.lower(): v for k, v in response.headers.items()}
                return Answer(response.read(), media.strip().lower(), headers)
        except urllib.error.HTTPError as exc:
            raise self._http_error(url, exc, source, offset) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise RemoteError(f"{url}: no answer within {self.timeout:g} s") from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise RemoteError(f"{url}: cannot connect: {text}") from None
        except TimeoutError:
            raise RemoteError(f"{url}: no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, OSError, ValueError) as exc:
            raise RemoteError(f"{url}: request failed: {exc}") from None

    def _http_error(self, url: str, exc: urllib.error.HTTPError, source: str,
                    offset: int) -> Exception:
        code = exc.code
        if 300 <= code < 400:
            target = exc.headers.get("Location", "(no Location)") if exc.headers else "?"
            return RemoteError(f"{url}: the server redirects (HTTP {code}) to {target}; "
                               "cartgraph does not follow redirects, so that no request or "
                               "credential goes where you did not point it: use that URL "
                               "if you trust it")
        try:
            message = server_message(exc.read())
        except (OSError, http.client.HTTPException):
            message = "(no message)"
        if code == 401:
            hint = (f" (check the password of user {self.user!r})" if self.user else
                    " (the server wants credentials: set CARTGRAPH_TOKEN, or --user with "
                    "CARTGRAPH_PASSWORD or --password-file)")
            return RemoteError(f"{url}: HTTP 401 {exc.reason}{hint}")
        if code == 403:
            return RemoteError(f"{url}: HTTP 403 {exc.reason}: {message}")
        if code == 404:
            return RemoteError(f"{url}: HTTP 404: no SPARQL endpoint here")
        return syntax_error(url, code, message, source, offset)


def syntax_error(url: str, code: int, message: str, source: str, offset: int) -> Exception:
    """A refusal as a QueryError, at the line of the user's text when the server says one."""
    if not 400 <= code < 500 and not ("SP030" in message or "syntax error" in message.lower()):
        return RemoteError(f"{url}: HTTP {code}: {message}")
    m = re.search(r"(?:error at |line )(\d+)[:,]\s*(?:column )?(\d+)?[:,]?\s*(.*)", message)
    if m and offset and int(m[1]) > offset:
        line = max(1, int(m[1]) - offset)
        column = f":{m[2]}" if m[2] else ""
        detail = m[3] if len(m[3]) <= 160 else m[3][:157] + "..."
        return QueryError(f"{source}:{line}{column}: {detail} ({url})")
    return QueryError(f"{source}: {url} refused it (HTTP {code}): {message}")


def server_message(body: bytes) -> str:
    """The first lines of an error body, as one line of at most 300 characters."""
    text = body.decode("utf-8", errors="replace")
    text = re.sub(r"<[^>]+>", " ", text) if "<html" in text[:200].lower() else text
    text = text.split("\nSPARQL query:")[0]  # Virtuoso echoes the query, prologue and all
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = " ".join(lines[:3]) if lines else "(no message)"
    return message[:300] + ("..." if len(message) > 300 else "")
