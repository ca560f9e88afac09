"""Map benchmark: build time, page size and time until the map is settled in headless Chromium.

Networks come from `visualisations.sample.sample_network` (deterministic, fictional). Build time
is `render_map` (layout, encoding, pyvis graph, page) in this process; settle time is read in
the browser: `performance.now()` when the page's script marked the map settled (vis-network's
first drawing after stabilisation, or after the first drawing when physics is off), counted from
the start of navigation, so it includes transfer, parsing and vis-network's work.

    .venv/bin/python -m bench.maps_bench                    # 50, 500 and 5,000 nodes
    .venv/bin/python -m bench.maps_bench --sizes 2000 --runs 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from registry.domain.network import Network
from visualisations import SizeBy
from visualisations.maps import PHYSICS_MAX_NODES, render_map
from visualisations.sample import sample_network

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,900",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
)


def budget(nodes: int) -> int:
    """The issue's page-size target: 0.8 MB plus 300 bytes per node."""
    return 800_000 + 300 * nodes


def build_times(network: Network, runs: int, size_by: SizeBy) -> tuple[list[float], list[float], str]:
    """Wall-clock and CPU seconds per build; CPU time shows the work when other jobs share the cores."""
    render_map(network, title="warm-up", size_by=size_by)
    wall, cpu, html = [], [], ""
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        html = render_map(network, title="Benchmark – åäö", size_by=size_by)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu, html


@contextmanager
def serving(pages: dict[str, str]) -> Iterator[str]:
    app = Flask(__name__)

    @app.get("/map/<name>")
    def page(name: str) -> Response:
        return Response(pages[name].encode("utf-8"), mimetype="text/html")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="registry-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def settle_times(driver: webdriver.Chrome, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        driver.get("about:blank")
        driver.get(url)
        WebDriverWait(driver, 120).until(
            lambda d: d.execute_script("return !!(window.registryMap && registryMap.settled)")
        )
        times.append(float(driver.execute_script("return registryMap.settledAt")) / 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 5000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size-by", choices=("degree", "betweenness"), default="degree")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)

    rows: list[dict[str, Any]] = []
    pages: dict[str, str] = {}
    for n in args.sizes:
        network = sample_network(n)
        runs = args.runs if n <= 1000 else max(3, args.runs // 2)
        times, cpu, html = build_times(network, runs, args.size_by)
        pages[str(n)] = html
        size = len(html.encode("utf-8"))
        rows.append(
            {
                "nodes": n,
                "edges": len(network.edges),
                "physics": n <= PHYSICS_MAX_NODES,
                "build_median": statistics.median(times),
                "build_cpu": statistics.median(cpu),
                "build_max": max(times),
                "bytes": size,
                "budget": budget(n),
            }
        )
        print(f"built {n} nodes: median {statistics.median(times) * 1000:.0f} ms", flush=True)

    with serving(pages) as base, chromium() as driver:
        for row in rows:
            times = settle_times(driver, f"{base}/map/{row['nodes']}", args.runs)
            row["settle_median"] = statistics.median(times)
            row["settle_max"] = max(times)
            print(f"settled {row['nodes']} nodes: median {row['settle_median']:.2f} s", flush=True)

    print()
    print(
        "| nodes | edges | physics | build: median wall (max) | build: median CPU "
        "| settled in Chromium: median (max) | page | size target |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['nodes']:,} | {r['edges']:,} | {'on' if r['physics'] else 'off'} "
            f"| {r['build_median'] * 1000:.0f} ms ({r['build_max'] * 1000:.0f}) | {r['build_cpu'] * 1000:.0f} ms "
            f"| {r['settle_median']:.2f} s ({r['settle_max']:.2f}) "
            f"| {r['bytes'] / 1e6:.2f} MB | ≤ {r['budget'] / 1e6:.2f} MB |"
        )


if __name__ == "__main__":
    main()
