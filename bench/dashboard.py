"""The dashboard `/` rendered in process at a small and a large history: anonymous (en, fr) and a coordinator.

Each database is a ledger already generated (bench.generate) and caught up; a coordinator key is issued on each
(an append, applied before timing), signed with /tmp/bench-dashboard-<database>.pem (copy the generator's key
there, or its checkpoints stop at that record). Rounds alternate small and large; a time is the fastest of
`--renders` renders (the least disturbed on a shared machine); a reader's figure is the median over the rounds
of time(small) / time(large), with the spread. `--profile` prints cProfile's top of the large anonymous page.

    python -m bench.dashboard postgresql://.../small postgresql://.../large [--rounds 3] [--renders 5] [--profile]

Both ways are timed in the same run, alternating: the heatmap drawn and rendered per request (heatmaps.HEATMAPS
off: the path before it was kept) and kept per log prefix, language and scope.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.requests import Request

from api.http.app import create_app
from api.http.auth import Principal
from api.root.services import Services
from api.root.settings import Settings
from api.web import heatmaps, i18n, pages
from domain import context

READERS = ("anonymous en", "anonymous fr", "coordinator")
ANONYMOUS = Principal("anonymous", "anonymous")


def client(url: str) -> tuple[Services, TestClient, dict[str, dict[str, str]]]:
    key = Path(f"/tmp/bench-dashboard-{url.rpartition('/')[2]}.pem")  # the database's (its generator's, if copied)
    svc = Services(Settings(database_url=url, signing_key_file=key))
    with context.recording(actor="bench"):
        secret = svc.ledger.issue_key("bench coordinator", "coordinator")[1]
    svc.runner.catch_up()
    app = create_app(svc.settings, services=svc, run_projections=False)
    headers = {
        "anonymous en": {"Accept-Language": "en"},
        "anonymous fr": {"Accept-Language": "fr"},
        "coordinator": {"Authorization": f"Bearer {secret}", "Accept-Language": "en"},
    }
    return svc, TestClient(app), headers


def render(c: TestClient, headers: dict[str, str], times: int = 1) -> tuple[float, int]:
    """The fastest of `times` renders (the least disturbed by other work on a shared machine), and the page's size."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        r = c.get("/", headers=headers)
        took.append(time.perf_counter() - started)
        assert r.status_code == 200, r.status_code
    return min(took), len(r.content)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("small")
    p.add_argument("large")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--renders", type=int, default=5, help="renders per figure of a round: the fastest is taken")
    p.add_argument("--profile", action="store_true")
    args = p.parse_args()
    opened = {"small": client(args.small), "large": client(args.large)}
    modes = {"drawn per request": False, "heatmap kept": True}
    try:
        pages: dict[str, bytes] = {}
        for kept in modes.values():  # warm: templates, catalogues, the heatmaps; the page is the same both ways
            heatmaps.HEATMAPS.enabled = kept
            for which, (_, c, headers) in opened.items():
                for who in READERS:
                    body = c.get("/", headers=headers[who]).content
                    assert pages.setdefault(f"{which} {who}", body) == body, f"{which} {who}: not the same page"
        sizes = {k: len(v) for k, v in pages.items()}
        times: dict[str, list[float]] = {f"{m} {w} {r}": [] for m in modes for w in opened for r in READERS}
        for _ in range(args.rounds):  # the modes alternate within a round: the machine is shared
            for mode, kept in modes.items():
                heatmaps.HEATMAPS.enabled = kept
                for which, (_, c, headers) in opened.items():
                    for who in READERS:
                        times[f"{mode} {which} {who}"].append(render(c, headers[who], args.renders)[0])
        print(f"rounds: {args.rounds}, the fastest of {args.renders} renders each; page sizes: {sizes}")
        for mode in modes:
            for who in READERS:
                small, large = times[f"{mode} small {who}"], times[f"{mode} large {who}"]
                ratios = [s / g for s, g in zip(small, large, strict=True)]
                print(
                    f"{mode:18} {who:13} small {statistics.median(small) * 1000:6.1f} ms  "
                    f"large {statistics.median(large) * 1000:6.1f} ms  ratio {statistics.median(ratios):.2f} "
                    f"({min(ratios):.2f}-{max(ratios):.2f})"
                )
        if args.profile:
            for mode, kept in modes.items():
                heatmaps.HEATMAPS.enabled = kept
                profile(opened["large"][0], mode)
    finally:
        for svc, c, _ in opened.values():
            c.close()
            svc.close()


def profile(svc: Services, mode: str) -> None:
    """cProfile of three anonymous English renders of `/`, the route called in this thread (a test client would
    run it in a worker thread, which the profiler does not see)."""

    class App:
        class state:  # noqa: N801 (request.app.state.services)
            services = svc

    def one() -> None:
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": [], "app": App}
        with i18n.using("en"):
            pages.coordination(Request({**scope, "server": ("testserver", 80), "scheme": "http"}), svc, ANONYMOUS)

    one()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        one()
    prof.disable()
    print(f"---- profile, large, anonymous en, {mode}")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
