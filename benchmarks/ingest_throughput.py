#!/usr/bin/env python3
"""Ingest throughput: cityfeedsd against mosquitto_sub on one broker and the same traffic.

Two scenarios, each measured for both consumers, printed with their ratio:
  - QoS 1 backlog: N messages queued for a persistent session while the consumer is away, then drained.
    mosquitto_sub only reads; cityfeedsd decodes, validates, commits to SQLite (synchronous=FULL) and only
    then acknowledges, and updates its in-memory series.
  - QoS 0 live: N messages published at full speed while both consumers are connected.

Run it through benchmarks/ingest-throughput.sh, which builds the release binaries first.
Everything listens on 127.0.0.1 only; every process started here is stopped at the end.
"""
import argparse, json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {port}")


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
        return json.load(reply)


class Bench:
    def __init__(self, bin_dir, count, work):
        self.bin = bin_dir
        self.count = count
        self.work = work
        self.processes = []
        self.broker_port = free_port()
        self.http_port = free_port()
        self.broker_url = f"mqtt://127.0.0.1:{self.broker_port}"

    def start(self, args, log):
        process = subprocess.Popen(args, stdout=open(os.path.join(self.work, log), "ab"), stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop(self, process, sig=signal.SIGTERM):
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self):
        for process in reversed(self.processes):
            self.stop(process)

    def start_broker(self):
        conf = open(os.path.join(ROOT, "deploy/mosquitto.conf")).read()
        conf = conf.replace("listener 1883 127.0.0.1", f"listener {self.broker_port} 127.0.0.1")
        broker_dir = os.path.join(self.work, "broker")
        os.makedirs(broker_dir, exist_ok=True)
        conf += f"\npersistence_location {broker_dir}/\nuser {os.environ.get('USER') or 'root'}\n"
        path = os.path.join(broker_dir, "mosquitto.conf")
        open(path, "w").write(conf)
        self.start([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", path], "mosquitto.log")
        wait_port(self.broker_port)

    def start_daemon(self, data):
        process = self.start([
            os.path.join(self.bin, "cityfeedsd"), "run", "--config", os.path.join(ROOT, "config/biarritz.toml"),
            "--broker", self.broker_url, "--http", f"127.0.0.1:{self.http_port}",
            "--data-dir", os.path.join(self.work, data), "--log-level", "warning"], "cityfeedsd.log")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if get_json(self.http_port, "/healthz")["ready"]:
                    return process
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError("cityfeedsd did not become ready")

    def wait_stored(self, target, timeout=300):
        """Polls the cheap ingest counter; returns (time the target was seen, readings stored)."""
        deadline = time.monotonic() + timeout
        stored = 0
        while time.monotonic() < deadline:
            stored = get_json(self.http_port, "/v1/ingest")["readings_stored"]
            if stored >= target:
                return time.monotonic(), stored
            time.sleep(0.02)
        return time.monotonic(), stored

    def loadgen(self, qos):
        output = subprocess.run(
            [os.path.join(self.bin, "cityfeeds-loadgen"), "--broker", self.broker_url, "--count", str(self.count),
             "--qos", str(qos)], check=True, capture_output=True, text=True).stdout.strip()
        print(f"  load: {output}")

    def mosquitto_sub(self, qos, persistent, extra=()):
        args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.broker_port), "-q", str(qos), "-t", "cityfeeds/#"]
        if persistent:
            args += ["-c", "-i", "bench-sub"]
        return args + list(extra)

    def backlog(self):
        print(f"QoS 1 backlog of {self.count} messages")
        # Create both persistent sessions, then leave so the broker queues everything for them.
        subprocess.run(self.mosquitto_sub(1, True, ["-C", "1", "-W", "1"]), capture_output=True)
        self.stop(self.start_daemon("data-backlog"))
        self.loadgen(1)

        began = time.monotonic()
        subprocess.run(self.mosquitto_sub(1, True, ["-C", str(self.count)]), check=True, stdout=subprocess.DEVNULL)
        sub_rate = self.count / (time.monotonic() - began)

        began = time.monotonic()
        daemon = self.start_daemon("data-backlog")
        ready = time.monotonic()
        first_stored = get_json(self.http_port, "/v1/ingest")["readings_stored"]
        ended, stored = self.wait_stored(self.count)
        daemon_rate = (stored - first_stored) / (ended - ready)
        print(f"  cityfeedsd: ready after {ready - began:.3f} s with {first_stored} readings stored; "
              f"{stored / (ended - began):,.0f} msg/s counting its start-up")
        self.stop(daemon)
        return sub_rate, daemon_rate, stored

    def live(self):
        print(f"QoS 0 live traffic, {self.count} messages")
        daemon = self.start_daemon("data-live")
        sub = subprocess.Popen(self.mosquitto_sub(0, False, ["-C", str(self.count)]), stdout=subprocess.DEVNULL)
        self.processes.append(sub)
        time.sleep(0.5)  # both subscribed
        began = time.monotonic()
        self.loadgen(0)
        try:
            sub.wait(120)
            sub_received = self.count
        except subprocess.TimeoutExpired:
            sub_received = None
        sub_rate = self.count / (time.monotonic() - began) if sub_received else float("nan")
        ended, stored = self.wait_stored(self.count, timeout=60)
        daemon_rate = stored / (ended - began)
        self.stop(daemon)
        return sub_rate, daemon_rate, stored


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release"))
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scenario; the median ratio is reported")
    args = parser.parse_args()

    results = {"QoS 1 backlog drain": [], "QoS 0 live": []}
    complete = True
    for run in range(args.repeat):
        work = tempfile.mkdtemp(prefix="cityfeeds-bench-")
        bench = Bench(args.bin, args.count, work)
        print(f"run {run + 1} of {args.repeat} (logs in {work})")
        try:
            bench.start_broker()
            results["QoS 1 backlog drain"].append(bench.backlog())
            results["QoS 0 live"].append(bench.live())
        finally:
            bench.stop_all()
    print()
    print(f"{'scenario':<22}{'run':>4}{'mosquitto_sub msg/s':>22}{'cityfeedsd msg/s':>20}{'ratio':>8}{'stored':>10}")
    for name, runs in results.items():
        for index, (sub_rate, daemon_rate, stored) in enumerate(runs):
            complete = complete and stored == args.count
            print(f"{name:<22}{index + 1:>4}{sub_rate:>22,.0f}{daemon_rate:>20,.0f}{daemon_rate / sub_rate:>8.2f}{stored:>10}")
        ratios = sorted(daemon_rate / sub_rate for sub_rate, daemon_rate, _ in runs)
        print(f"{name:<22}{'median ratio':>54}{ratios[len(ratios) // 2]:>8.2f}")
    print(f"\n(messages per run: {args.count}; cityfeedsd durable with synchronous=FULL; backlog rate measured "
          f"from the moment it is ready)")
    sys.exit(0 if complete else 1)


if __name__ == "__main__":
    main()
