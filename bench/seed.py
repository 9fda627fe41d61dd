"""The seed generator with 10,000 sales invoices: generation, JSON size, and loading both sandboxes.

1. ``generate()`` documents per second, and JSON serialisation of both datasets (sizes in MB);
2. loading through ``POST /_control/fixture`` into the Taimer and Procountor sandboxes (child processes), against
   the floor of POSTing the same bytes to a bare ASGI sink that only reads the body: load/bare is what parsing and
   validating the fixture costs;
3. how the whole preparation compares with the floor Procountor's rate limit sets for sending the same invoices
   (one POST /invoices each at 20/s).

    .venv/bin/python bench/seed.py [--quick]
"""

from __future__ import annotations

import json
from typing import Any

import requests
from _common import banner, parse_args, table, timed

from sandboxes.runner import serve_in_process, serve_in_thread
from sandboxes.seed import SeedConfig, generate

RATE_FLOOR = 20  # Procountor: at most 20 requests per second per client


async def sink(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI app: read the whole body, answer its length. The floor for moving the bytes over loopback."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = json.dumps({"bytes": size}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def post(url: str, data: bytes) -> tuple[float, dict[str, Any]]:
    def go() -> dict[str, Any]:
        response = requests.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=(5, 300))
        if response.status_code >= 300:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    return timed(go)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    banner("Seed generator: generate, serialise, load both sandboxes", args.quick)
    n = 2_000 if args.quick else 10_000
    config = SeedConfig(sales_invoices=n)
    t_gen, result = timed(lambda: generate(config))
    kinds = ("sales_invoices", "bills_outbound", "procountor_purchase_invoices", "expense_reports", "travel_reports")
    docs = sum(result.manifest.counts.get(k, 0) for k in kinds)
    t_taimer_json, taimer_json = timed(result.taimer_json)
    t_procountor_json, procountor_json = timed(result.procountor_json)
    taimer_bytes, procountor_bytes = taimer_json.encode(), procountor_json.encode()
    mb = 1_000_000
    table(
        f"Generation: {n:,} sales invoices (other counts at their defaults; {docs:,} documents in all)",
        ["step", "seconds", "documents/s", "MB", "MB/s"],
        [
            ["generate()", t_gen, docs / t_gen, "", ""],
            [
                "taimer.json (indent=1)",
                t_taimer_json,
                "",
                len(taimer_bytes) / mb,
                len(taimer_bytes) / mb / t_taimer_json,
            ],
            [
                "procountor.json (indent=1)",
                t_procountor_json,
                "",
                len(procountor_bytes) / mb,
                len(procountor_bytes) / mb / t_procountor_json,
            ],
        ],
    )

    rows = []
    servers = serve_in_thread(sink), serve_in_process("sandboxes.procountor"), serve_in_process("sandboxes.taimer")
    bare, pc, tm = servers
    try:
        post(bare.base_url + "/warm", b"{}")
        for name, url, data in (("Procountor", pc.base_url, procountor_bytes), ("Taimer", tm.base_url, taimer_bytes)):
            t_bare, echoed = post(bare.base_url + "/_control/fixture", data)
            assert echoed["bytes"] == len(data)
            t_load, answer = post(url + "/_control/fixture", data)
            rows.append([name, len(data) / mb, t_bare, t_load, len(data) / mb / t_load, t_load / t_bare])
            if name == "Taimer":
                assert answer["counts"]["sales_invoices"] == n, answer
    finally:
        for server in servers:
            server.stop()
    table(
        "Loading through POST /_control/fixture (Procountor first, as the seed CLI does)",
        ["sandbox", "MB", "bare sink s", "load s", "load MB/s", "RATIO load/bare"],
        rows,
    )
    prepare = t_gen + t_taimer_json + t_procountor_json + sum(r[3] for r in rows)
    floor = n / RATE_FLOOR
    table(
        f"Against the rate-limit floor: sending {n:,} invoices at {RATE_FLOOR}/s takes {floor:,.0f} s",
        ["measure", "value"],
        [
            ["generate + serialise + load, s", prepare],
            [f"RATIO preparation / send floor ({floor:,.0f} s)", prepare / floor],
            [f"RATIO generation rate / {RATE_FLOOR} per s", n / t_gen / RATE_FLOOR],
        ],
    )


if __name__ == "__main__":
    main()
