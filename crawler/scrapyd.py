"""A small client of Scrapyd's JSON API: the four endpoints the coordinator needs.

`daemonstatus.json` (how busy a node is), `schedule.json` (start a crawl, with the job id we
chose), `listjobs.json` (follow it) and `cancel.json`. Blocking, with a short timeout: the
coordinator is a plain loop, not a crawl, and a node that does not answer in time is treated as
unreachable, which is what it is to us.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Literal

PROJECT = "ogi-reports"  # the project name nodes know us by (docs/deploy.md)

JobState = Literal["pending", "running", "finished"]


class ScrapydError(RuntimeError):
    """The node answered with an error, or could not be reached (`unreachable`)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class NodeStatus:
    node_name: str
    running: int
    pending: int
    finished: int


@dataclass(frozen=True, slots=True)
class NodeJob:
    id: str
    spider: str
    state: JobState
    start_time: str | None = None
    end_time: str | None = None
    log_url: str | None = None


class ScrapydNode:
    """One Scrapyd daemon, by its base URL (`http://10.0.0.5:6800`)."""

    # Generous: a node's first schedule.json lists the project's spiders (`scrapy list`: seconds).
    def __init__(self, url: str, *, project: str = PROJECT, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.project = project
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ScrapydNode({self.url!r})"

    def _request(self, endpoint: str, data: list[tuple[str, str]] | None = None) -> Any:
        url = f"{self.url}/{endpoint}"
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        if body is None and endpoint != "daemonstatus.json":
            url += "?" + urllib.parse.urlencode({"project": self.project})
        request = urllib.request.Request(url, data=body)  # noqa: S310  (http(s) node URLs)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise ScrapydError(f"{url}: HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:  # refused, timed out, reset, not JSON
            raise ScrapydError(f"{url}: {exc}", unreachable=True) from exc
        if answer.get("status") != "ok":
            raise ScrapydError(f"{url}: {answer.get('message') or answer}")
        return answer

    def status(self) -> NodeStatus:
        answer = self._request("daemonstatus.json")
        return NodeStatus(
            node_name=str(answer.get("node_name", "")),
            running=int(answer.get("running", 0)),
            pending=int(answer.get("pending", 0)),
            finished=int(answer.get("finished", 0)),
        )

    def schedule(
        self, spider: str, job_id: str, settings: dict[str, str], arguments: dict[str, str]
    ) -> str:
        """Start `scrapy crawl <spider>` with `-s NAME=VALUE` settings and `-a` arguments."""
        data = [("project", self.project), ("spider", spider), ("jobid", job_id)]
        data += [("setting", f"{name}={value}") for name, value in settings.items()]
        data += list(arguments.items())
        answer = self._request("schedule.json", data)
        return str(answer["jobid"])

    def jobs(self) -> dict[str, NodeJob]:
        """Every job the node knows of this project, by id."""
        answer = self._request("listjobs.json")
        jobs: dict[str, NodeJob] = {}
        for state in ("pending", "running", "finished"):
            for entry in answer.get(state, []):
                jobs[str(entry["id"])] = NodeJob(
                    id=str(entry["id"]),
                    spider=str(entry.get("spider", "")),
                    state=state,
                    start_time=entry.get("start_time"),
                    end_time=entry.get("end_time"),
                    log_url=entry.get("log_url"),
                )
        return jobs

    def cancel(self, job_id: str) -> None:
        self._request("cancel.json", [("project", self.project), ("job", job_id)])
