"""How long events waited for the live projections while a load ran: scrapes a running
service's `/metrics` before and after a command (the load) and prints the quantiles of
`integrations_projection_delay_seconds` over the events projected in between (each quantile
is the upper bound of its histogram bucket).
Run: `python -m bench.projection_delay --url http://127.0.0.1:8103 -- wrk …`"""

from __future__ import annotations

import argparse
import subprocess
import sys

import httpx
from prometheus_client.parser import text_string_to_metric_families

NAME = "integrations_projection_delay_seconds"


def buckets(url: str) -> dict[float, float]:
    """Cumulative counts per upper bound."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return {
        float(s.labels["le"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == f"{NAME}_bucket"
    }


def quantile(counts: dict[float, float], q: float) -> float:
    total = counts[float("inf")]
    return next(bound for bound, n in sorted(counts.items()) if n >= q * total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("load", nargs=argparse.REMAINDER, help="-- the command that loads")
    args = parser.parse_args()
    before = buckets(args.url)
    subprocess.run([a for a in args.load if a != "--"], check=True)
    after = buckets(args.url)
    delta = {bound: after[bound] - before.get(bound, 0.0) for bound in after}
    if not delta or delta[float("inf")] == 0:
        print("no events were projected (or the delay is not exported here)", file=sys.stderr)
        return 1
    print(
        f"events projected: {delta[float('inf')]:.0f}  delay p50 <= {quantile(delta, 0.5)}s"
        f"  p90 <= {quantile(delta, 0.9)}s  p99 <= {quantile(delta, 0.99)}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
