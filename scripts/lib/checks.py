"""Shared by the scripts that check the daemon with real processes on loopback (scripts/page-check.py,
scripts/ha-check.py): the list of checks and their verdicts, free ports, HTTP reads, and a mosquitto from the
project's configuration."""
import os, subprocess, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(condition, what):
    """Prints the check's verdict; a failed one is remembered for the exit status."""
    print(("  ok    " if condition else "  FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)


def finish():
    """Exits 1 when a check failed, saying how many."""
    if failures:
        print(f"{len(failures)} check(s) failed", flush=True)
        raise SystemExit(1)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=2):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_ready(url, seconds=30):
    """Whether `url` answers 200 within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if get(url)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def mosquitto(work, name, port, extra=""):
    """A broker from deploy/mosquitto.conf on `port`, persisting under work/name, with `extra` appended."""
    directory = os.path.join(work, name)
    os.makedirs(directory, exist_ok=True)
    conf = open(os.path.join(ROOT, "deploy/mosquitto.conf")).read().replace(
        "listener 1883 127.0.0.1", f"listener {port} 127.0.0.1")
    conf += f"\npersistence_location {directory}/\nuser {os.environ.get('USER') or 'root'}\n" + extra
    path = os.path.join(directory, "mosquitto.conf")
    open(path, "w").write(conf)
    binary = "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else "mosquitto"
    return subprocess.Popen([binary, "-c", path], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(directory, "log"), "w"))
