"""What a dead online geocoder costs: seconds per name against a local server that never answers.

A TCP server on 127.0.0.1 accepts connections (the kernel does) and never answers. eventmap's
OnlineGeocoder (deadline per name, circuit breaker) is timed against plain geopy with the
RateLimiter retry eventmap used before, measured in the same run. Nothing leaves the machine.

    python bench/bench_online_guard.py [--timeout 1.0] [--names 10]
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geopy.extra.rate_limiter import RateLimiter  # noqa: E402
from geopy.geocoders import Nominatim  # noqa: E402

from geodata.config import load_settings  # noqa: E402
from geodata.geocoding.online import get_geocoder  # noqa: E402

NAMES = ["Quito", "Lima", "Caracas", "Manta", "Tumaco", "Pasto", "Cali", "Guayaquil", "Bogotá", "Cúcuta"]


def _plain_geopy(domain: str, timeout: float, names: list[str]) -> float:
    """Seconds per name with geopy's defaults and one RateLimiter retry (eventmap before #11)."""
    remote = Nominatim(user_agent="eventmap-bench", domain=domain, scheme="http", timeout=timeout)
    # As OnlineGeocoder was set up before #11, with the default geocoder_min_delay of 1 s.
    limited = RateLimiter(
        remote.geocode, min_delay_seconds=1.0, max_retries=1, error_wait_seconds=1.0, swallow_exceptions=True
    )
    logging.getLogger("geopy").setLevel(logging.CRITICAL)  # its retry tracebacks are what #11 removed
    started = time.perf_counter()
    for name in names:
        limited(name)  # swallows the error after its retry, as eventmap's fallback did
    return (time.perf_counter() - started) / len(names)


def _eventmap(domain: str, timeout: float, names: list[str], cache: Path) -> tuple[float, float]:
    """Seconds for the first name and per name over all of them, with eventmap's OnlineGeocoder."""
    logging.getLogger("geodata").setLevel(logging.CRITICAL)
    settings = load_settings(
        geocoder="nominatim",
        user_agent="eventmap-bench",
        geocoder_domain=f"http://{domain}",
        geocoder_timeout=timeout,
        geocoder_min_delay=0,
        geocoder_cache_dir=cache,
    )
    geocoder = get_geocoder(settings)
    started = time.perf_counter()
    geocoder.geocode(names[0])
    first = time.perf_counter() - started
    for name in names[1:]:
        geocoder.geocode(name)
    return first, (time.perf_counter() - started) / len(names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--names", type=int, default=10)
    args = parser.parse_args()
    names = (NAMES * (args.names // len(NAMES) + 1))[: args.names]
    with socket.socket() as silent, tempfile.TemporaryDirectory() as tmp:
        silent.bind(("127.0.0.1", 0))
        silent.listen(256)
        domain = f"127.0.0.1:{silent.getsockname()[1]}"
        first, per_name = _eventmap(domain, args.timeout, names, Path(tmp) / "cache")
        baseline = _plain_geopy(domain, args.timeout, names[:2])
    print(f"online geocoder against a silent server — geocoder_timeout = {args.timeout:g} s, {len(names)} names")
    print(f"  eventmap, first name: {first:.2f} s ({first / args.timeout:.2f}× the timeout; goal ≈ 1×)")
    print(f"  eventmap, per name over {len(names)} (breaker opens after 3): {per_name:.2f} s")
    print(
        f"  baseline geopy defaults + one RateLimiter retry, per name: {baseline:.2f} s ({baseline / args.timeout:.1f}×)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
