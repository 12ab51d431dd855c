"""What the benchmarks that start servers share: a free port, and waiting until one answers."""

import socket
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, processes: list, timeout: float = 180) -> None:
    """Until `url` answers 2xx; an error as soon as one of `processes` stops."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: a process stopped (exit code {process.returncode})")
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up")
