"""Measure the link graph at a given size: the server's build, suggestion and page-data times,
and (with Chromium) how long the browser takes to draw it. Prints figures; asserts nothing.

Generated data lives only inside a transaction that is rolled back, so the command can run
against any database.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from agencies.models import Role
from agencies.services import agency_create, membership_create, user_create
from cases import graph as link_graph
from cases import normalise
from cases.models import Association, Person, PersonContact

PAGE = """<!doctype html><html><body><div id="graph" style="width:1200px;height:800px"></div>
<script type="module">
import cytoscape from "./cytoscape.esm.min.mjs";
const elements = await (await fetch("./elements.json")).json();
const start = performance.now();
const cy = cytoscape({container: document.getElementById("graph"), elements,
  layout: {name: elements.nodes.length > 300 ? "grid" : "cose", animate: false}});
cy.ready(() => { window.drawn = performance.now() - start; });
</script></body></html>"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


class Command(BaseCommand):
    help = "Measure the link graph and its page at N nodes (default 2,000)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--nodes", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--browser", default="/usr/bin/chromium")

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            rng = random.Random(options["seed"])  # noqa: S311 - reproducible test data
            user = self.generate(options["nodes"], rng)
            self.measure(user, options)
            transaction.set_rollback(True)

    def generate(self, nodes: int, rng: random.Random):
        """Two thirds people (a fifth of them children), one third vehicles and phones."""
        tag = uuid.uuid4().hex[:8]
        agency = agency_create(
            code=f"bench-{tag}", name="Benchmark agency", type="police", partnerships=[], by=None
        )
        user = user_create(email=f"bench-{tag}@bench.invalid", full_name="Bench", password=None,
                           by=None)  # fmt: skip
        membership_create(user=user, agency=agency, role=Role.ANALYST, by=None)
        people = Person.objects.bulk_create(
            Person(
                owner_agency=agency,
                kind="child" if i % 5 == 0 else "suspect",
                first_name=f"P{i}",
                last_name="Bench",
            )
            for i in range(nodes * 2 // 3)
        )
        entities = nodes - len(people)
        contacts = []
        for e in range(entities):
            kind = "vehicle" if e % 2 else "phone"
            value = f"BX{e:05d}" if kind == "vehicle" else f"07{e:09d}"
            normalised = normalise.vehicle(value) if kind == "vehicle" else normalise.phone(value)
            for person in rng.sample(people, 2):
                contacts.append(PersonContact(person=person, type=kind, value=value,
                                              normalised=normalised))  # fmt: skip
        PersonContact.objects.bulk_create(contacts)
        Association.objects.bulk_create(
            Association(owner_agency=agency, from_person=a, to_person=b, relationship="associate")
            for a, b in (rng.sample(people, 2) for _ in range(len(people) // 2))
        )
        return user

    def timed(self, repeat: int, work):
        times, result = [], None
        for _ in range(repeat):
            start = time.perf_counter()
            result = work()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times), result

    def measure(self, user, options) -> None:
        repeat = options["repeat"]
        build_ms, graph = self.timed(repeat, lambda: link_graph.link_graph(user))
        suggest_ms, suggestions = self.timed(repeat, lambda: link_graph.suggested_networks(graph))
        elements_ms, elements = self.timed(
            repeat, lambda: json.dumps(link_graph.cytoscape_elements(graph))
        )
        table_ms, _ = self.timed(repeat, lambda: link_graph.table_rows(graph))
        rows = [
            ("graph nodes", f"{graph.number_of_nodes():,}"),
            ("graph edges", f"{graph.number_of_edges():,}"),
            ("suggested networks", f"{len(suggestions):,}"),
            ("build the graph (median ms)", f"{build_ms:,.0f}"),
            ("suggest networks (median ms)", f"{suggest_ms:,.0f}"),
            ("page data as JSON (median ms)", f"{elements_ms:,.0f}"),
            ("page data size (KB)", f"{len(elements) / 1024:,.0f}"),
            ("table rows (median ms)", f"{table_ms:,.0f}"),
        ]
        drawn = self.browser_draw(elements, options["browser"])
        rows.append(("draw in Chromium (ms)", f"{drawn:,.0f}" if drawn else "not measured"))
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.stdout.write(f"{name.ljust(width)}  {value:>10}")

    def browser_draw(self, elements: str, executable: str) -> float | None:
        if not Path(executable).exists():
            return None
        from playwright.sync_api import sync_playwright

        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "index.html").write_text(PAGE)
            (root / "elements.json").write_text(elements)
            library = Path(settings.BASE_DIR) / "static" / "dist" / "cytoscape.esm.min.mjs"
            (root / "cytoscape.esm.min.mjs").write_bytes(library.read_bytes())
            handler = partial(QuietHandler, directory=folder)
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=executable,
                        args=["--headless", "--no-sandbox", "--disable-gpu"],
                    )
                    page = browser.new_page()
                    page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
                    page.wait_for_function("window.drawn !== undefined", timeout=120_000)
                    drawn = page.evaluate("window.drawn")
                    browser.close()
                    return drawn
            finally:
                server.shutdown()
