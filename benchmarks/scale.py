#!/usr/bin/env python3
"""Scale: the same measurements on generated cities of 1x, 10x, 100x and 1000x the sample city.

A city of k times the sample (config/biarritz.toml: 6 car parks, 6 beaches with probes, 3 outfalls, 1 rain
gauge) has 6k car parks, 6k beaches, 3k outfalls and k rain gauges, spread over a square that grows with k.
Its traffic is rounds of one message per sensor, a minute of event time apart, in time order (the car parks'
occupancy, the probes' temperature, turbidity and salinity with bacteriology every tenth round, the rain, the
outfalls' state with a storm in the middle), cut at the same number of messages for every size: the cost of
the same traffic spread over more sensors.

Per size, one run:
  - check-config's memory bound and estimate;
  - start-up to ready with an empty store, and again with the store the traffic left;
  - the traffic as a QoS 1 backlog drained by mosquitto_sub, then by cityfeedsd (from ready to the last
    reading stored): messages per second and their ratio; cityfeedsd's CPU time and bytes written to disk per
    reading while draining. Twice: a first traffic in which every series is new, then the rounds that follow,
    every series known (a city's daemon in its daily run);
  - resident memory before and after the first traffic, and what it comes to per series and per stored sample;
  - each polled document's size (the status summary, the district list and one district among them), its
    first render after the traffic, a warm poll and an ETag revalidation (medians), a page of 20 car parks and
    of 20 beaches (computed per request), and the near-me parking query (1 km radius) at 50 points (median).

Run it through benchmarks/scale.sh, which builds the release binaries first.
Everything listens on 127.0.0.1 only; every process started here is stopped at the end.
"""
import argparse, json, math, os, re, shutil, statistics, subprocess, sys, tempfile, time, urllib.request
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest_throughput import Bench  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")
CENTRE = (43.4832, -1.5586)  # Biarritz
DOCUMENTS = ["/v1/status", "/v1/districts", "/v1/districts/d-0", "/v1/parking", "/v1/parking.geojson",
             "/v1/beaches", "/v1/alerts?state=active",
             "/v1/parking?limit=20", "/v1/beaches?limit=20"]


def city_config(k, work):
    """The generated city's configuration file; returns (path, sensors, series it can have)."""
    side = 0.05 * math.sqrt(k)  # degrees: about 4 km x 5.5 km for the sample, 180 km across at 1000x
    car_parks, beaches, outfalls, gauges = 6 * k, 6 * k, 3 * k, k
    # A district per ten copies of the sample (60 car parks and 60 beaches at 1000x): bands of the grid.
    districts = max(1, math.ceil(k / 10))

    def district(index, count):
        return f'district = "d-{index * districts // count}"'

    def position(index, count):
        columns = max(1, math.ceil(math.sqrt(count)))
        row, column = divmod(index, columns)
        return (CENTRE[0] - side / 2 + side * (row + 0.5) / columns,
                CENTRE[1] - side / 2 + side * (column + 0.5) / columns)

    lines = [f'[city]\nname = "Generated city {k}x"\ntimezone = "Europe/Paris"',
             '[mqtt]\nclient_id = "cityfeedsd-scale"\nmax_burst = 1000',
             '[storage]\ndurability = "full"', '[ingest]\nmax_age_days = 90',
             '[alerts]\nstatus_topic = ""']
    lines += [f'[[districts]]\nid = "d-{index}"\nname = "District {index}"' for index in range(districts)]
    for index in range(car_parks):
        lat, lon = position(index, car_parks)
        lines.append(f'[[car_parks]]\nid = "cp-{index}"\nname = "Car park {index}"\nlatitude = {lat:.5f}\n'
                     f'longitude = {lon:.5f}\ncapacity = {100 + 50 * (index % 10)}\n'
                     f'has_fee = {"true" if index % 3 else "false"}\nmax_height_cm = {190 + 10 * (index % 3)}\n'
                     + district(index, car_parks))
    for index in range(beaches):
        lat, lon = position(index, beaches)
        lines.append(f'[[beaches]]\nid = "b-{index}"\nname = "Beach {index}"\nwater = "coastal"\n'
                     f'latitude = {lat:.5f}\nlongitude = {lon:.5f}\nprobe = "probe-{index}"\n' + district(index, beaches))
    for index in range(outfalls):
        lines.append(f'[[outfalls]]\nid = "o-{index}"\nname = "Outfall {index}"\n'
                     f'beaches = ["b-{2 * index}", "b-{2 * index + 1}"]')
    for index in range(gauges):
        linked = ", ".join(f'"b-{6 * index + offset}"' for offset in range(6))
        lines.append(f'[[rain_gauges]]\nid = "rain-{index}"\nname = "Gauge {index}"\nbeaches = [{linked}]\n'
                     f'alert_mm_24h = 20')
    path = os.path.join(work, f"city-{k}x.toml")
    open(path, "w").write("\n\n".join(lines) + "\n")
    sensors = car_parks + beaches + outfalls + gauges
    series = car_parks + 5 * beaches + outfalls + gauges
    return path, sensors, series


def traffic_rounds(k, count):
    """Rounds (one message per sensor, a minute apart) that `count` messages make."""
    return math.ceil(count / (6 * k + 6 * k + 3 * k + k))


def traffic(k, count, work, storm=True, start=None):
    """Writes `count` messages as 'topic<TAB>payload' lines; returns (path, readings they carry, rounds, the
    time after the last round). The rounds start at `start` (Unix seconds; by default so that they end an hour
    ago). With `storm`, the rain gauges report rain and every outfall discharges for a twentieth of the rounds
    (at least one) in the middle: every beach gets a sewage alert."""
    rounds = traffic_rounds(k, count)
    start = int(time.time()) - rounds * 60 - 3_600 if start is None else start
    storm = range(rounds // 2, rounds // 2 + max(1, rounds // 20)) if storm else range(0)
    lines = []  # (line, readings it carries)
    for round_index in range(rounds):
        stamp = datetime.fromtimestamp(start + round_index * 60, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        hour = (round_index / 60) % 24
        for index in range(6 * k):
            capacity = 100 + 50 * (index % 10)
            occupied = int(capacity * (0.5 + 0.4 * math.sin(hour / 24 * 2 * math.pi + index)))
            lines.append((f'cityfeeds/parking/cp-{index}/occupancy\t{{"ts":"{stamp}","occupied":{occupied}}}', 1))
        for index in range(6 * k):
            fields = (f'"ts":"{stamp}","temperature":{17 + (index + round_index) % 40 / 10:.1f},'
                      f'"turbidity":{1.5 + (index * round_index) % 7 / 10:.2f},"salinity":{35 - index % 3 / 10:.2f}')
            carried = 3
            if round_index % 10 == 0:
                fields += f',"ecoli":{20 + (index * 7 + round_index) % 60},"enterococci":{10 + index % 40}'
                carried = 5
            lines.append((f"cityfeeds/beach/probe-{index}/sample\t{{{fields}}}", carried))
        for index in range(k):
            rain = 6.0 if round_index in storm else 0.0
            lines.append((f'cityfeeds/rain/rain-{index}/rain\t{{"ts":"{stamp}","rain_mm":{rain}}}', 1))
        for index in range(3 * k):
            state = "discharging" if round_index in storm else "stopped"
            lines.append((f'cityfeeds/sewer/o-{index}/state\t{{"ts":"{stamp}","state":"{state}"}}', 1))
    del lines[count:]
    path = os.path.join(work, f"traffic-{k}x.txt")
    open(path, "w").write("\n".join(line for line, _ in lines) + "\n")
    return path, sum(carried for _, carried in lines), rounds, start + rounds * 60


def get(port, path, headers=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            body = reply.read()
            return reply.status, body, dict(reply.headers), time.perf_counter() - began
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers), time.perf_counter() - began


def get_json(port, path):
    return json.loads(get(port, path)[1])


def proc_cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_written_bytes(pid):
    for line in open(f"/proc/{pid}/io"):
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def proc_rss_bytes(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Run(Bench):
    """One size's run: the ingest benchmark's broker and process handling, with a generated city."""

    def __init__(self, bin_dir, k, count, work, storm=True):
        super().__init__(bin_dir, count, work)
        self.k, self.storm = k, storm
        self.data = os.path.join(work, "data")

    def start_daemon(self, config):
        began = time.monotonic()
        process = self.start([
            os.path.join(self.bin, "cityfeedsd"), "run", "--config", config, "--broker", self.broker_url,
            "--http", f"127.0.0.1:{self.http_port}", "--data-dir", self.data, "--log-level", "warning"],
            "cityfeedsd.log")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"cityfeedsd exited with {process.returncode}; see {self.work}/cityfeedsd.log")
            try:
                if get_json(self.http_port, "/healthz")["ready"]:
                    return process, time.monotonic() - began
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError("cityfeedsd did not become ready")

    def mosquitto_sub(self, extra):
        return ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.broker_port), "-q", "1", "-t", "cityfeeds/#",
                "-c", "-i", "scale-sub"] + extra

    def drain(self, config, messages, readings):
        """Queues `messages` for mosquitto_sub's session and the daemon's (stopped), drains mosquitto_sub's,
        then starts the daemon and measures its drain; returns the running daemon and the figures."""
        figures = {}
        load = subprocess.run([os.path.join(self.bin, "cityfeeds-loadgen"), "--broker", self.broker_url,
                               "--messages", messages, "--qos", "1"], capture_output=True, text=True, check=True)
        figures["load"] = load.stdout.strip()
        began = time.monotonic()
        subprocess.run(self.mosquitto_sub(["-C", str(self.count)]), check=True, stdout=subprocess.DEVNULL)
        figures["sub_rate"] = self.count / (time.monotonic() - began)

        daemon, _ = self.start_daemon(config)
        ready = time.monotonic()
        cpu0, written0 = proc_cpu_seconds(daemon.pid), proc_written_bytes(daemon.pid)
        # The counters are the process's own: everything counted is this drain's.
        deadline = ready + 1_800
        while time.monotonic() < deadline:
            ingest = get_json(self.http_port, "/v1/ingest")
            handled = ingest["readings_stored"] + ingest["readings_duplicate"] + ingest["readings_rejected"]
            if ingest["messages_received"] >= self.count and handled >= readings:
                break
            time.sleep(0.05)
        ended = time.monotonic()
        cpu1, written1 = proc_cpu_seconds(daemon.pid), proc_written_bytes(daemon.pid)
        figures["ingest"] = {key: ingest[key] for key in (
            "messages_received", "messages_rejected", "readings_stored", "readings_duplicate", "readings_rejected")}
        stored = figures["ingest"]["readings_stored"]
        figures["daemon_rate"] = self.count / (ended - ready)
        figures["cpu_us_per_reading"] = (cpu1 - cpu0) / max(stored, 1) * 1e6
        figures["bytes_written_per_reading"] = (written1 - written0) / max(stored, 1)
        return daemon, figures

    def measure(self):
        result = {"k": self.k}
        config, result["sensors"], result["series"] = city_config(self.k, self.work)
        # The first traffic, then the rounds that follow it, both ending an hour or more ago.
        first_start = int(time.time()) - 2 * traffic_rounds(self.k, self.count) * 60 - 3_600
        messages, readings, result["rounds"], then = traffic(
            self.k, self.count, self.work, self.storm, start=first_start)
        result["readings"] = readings
        check = subprocess.run([os.path.join(self.bin, "cityfeedsd"), "check-config", config],
                               capture_output=True, text=True, check=True).stdout
        result["check_config"] = [line for line in check.splitlines() if "memory" in line]

        self.start_broker()
        subprocess.run(self.mosquitto_sub(["-C", "1", "-W", "1"]), capture_output=True)
        daemon, result["start_empty_s"] = self.start_daemon(config)
        result["rss_empty"] = proc_rss_bytes(daemon.pid)
        self.stop(daemon)
        # First traffic: every series is new (its first readings, its row in the store's series table, its
        # alert-engine entries). Second traffic: the rounds that follow, every series known, as a city's
        # daemon runs day after day.
        daemon, result["first"] = self.drain(config, messages, readings)
        time.sleep(1)
        result["rss_after"] = proc_rss_bytes(daemon.pid)
        memory = get_json(self.http_port, "/v1/series")["memory"]
        result["store_memory"] = memory
        self.stop(daemon)
        messages, readings, _, _ = traffic(self.k, self.count, self.work, self.storm, start=then)
        daemon, result["known"] = self.drain(config, messages, readings)
        print(f"  ingest: {json.dumps(result)}", flush=True)

        documents = {}
        for path in DOCUMENTS:
            status, body, headers, first = get(self.http_port, path)
            warm = [get(self.http_port, path)[3] for _ in range(10)]
            etag = headers.get("ETag") or headers.get("Etag")
            revalidate = [get(self.http_port, path, {"If-None-Match": etag})[3] for _ in range(10)] if etag else []
            documents[path] = {"status": status, "bytes": len(body), "first_ms": first * 1e3,
                               "warm_ms": statistics.median(warm) * 1e3,
                               "revalidate_ms": statistics.median(revalidate) * 1e3 if revalidate else None}
        result["documents"] = documents
        near = []
        for index in range(50):
            lat = CENTRE[0] + 0.05 * math.sqrt(self.k) * ((index * 37 % 50) / 50 - 0.5)
            lon = CENTRE[1] + 0.05 * math.sqrt(self.k) * ((index * 13 % 50) / 50 - 0.5)
            near.append(get(self.http_port, f"/v1/parking?lat={lat:.5f}&lon={lon:.5f}&radius=1000")[3])
        result["near_me_ms"] = statistics.median(near) * 1e3

        self.stop(daemon)
        daemon, result["start_full_s"] = self.start_daemon(config)
        self.stop(daemon)
        result["store_bytes"] = sum(os.path.getsize(os.path.join(self.data, name)) for name in os.listdir(self.data)
                                    if os.path.isfile(os.path.join(self.data, name)))
        return result


def size(value):
    return f"{value:,} B" if value < 10_240 else f"{value / 1024:,.0f} KiB"


def mib(value):
    return f"{value / 1_048_576:,.0f} MiB"


def report(results, count):
    print()
    print(f"Generated cities, {count:,} messages each (QoS 1 backlog), one run per size\n")
    columns = ["figure"] + [f"{r['k']}x" for r in results]
    rows = [
        ("sensors / series", lambda r: f"{r['sensors']:,} / {r['series']:,}"),
        ("readings in the traffic (rounds)", lambda r: f"{r['readings']:,} ({r['rounds']:,})"),
        ("check-config: bound / steady state", lambda r: " / ".join(
            re.search(r"(\d[\d,]*) MiB", line).group(1) + " MiB" for line in r["check_config"])),
        ("start-up, empty store", lambda r: f"{r['start_empty_s']:.2f} s"),
        ("resident memory, empty", lambda r: mib(r["rss_empty"])),
        ("ingest (new series): mosquitto_sub", lambda r: f"{r['first']['sub_rate']:,.0f} msg/s"),
        ("ingest (new series): cityfeedsd", lambda r: f"{r['first']['daemon_rate']:,.0f} msg/s"),
        ("ingest (new series): ratio", lambda r: f"{r['first']['daemon_rate'] / r['first']['sub_rate']:.2f}"),
        ("CPU per reading (new series)", lambda r: f"{r['first']['cpu_us_per_reading']:.1f} µs"),
        ("bytes written per reading (new series)", lambda r: f"{r['first']['bytes_written_per_reading']:,.0f}"),
        ("ingest (known series): mosquitto_sub", lambda r: f"{r['known']['sub_rate']:,.0f} msg/s"),
        ("ingest (known series): cityfeedsd", lambda r: f"{r['known']['daemon_rate']:,.0f} msg/s"),
        ("ingest (known series): ratio", lambda r: f"{r['known']['daemon_rate'] / r['known']['sub_rate']:.2f}"),
        ("CPU per reading (known series)", lambda r: f"{r['known']['cpu_us_per_reading']:.1f} µs"),
        ("bytes written per reading (known series)", lambda r: f"{r['known']['bytes_written_per_reading']:,.0f}"),
        ("resident memory after", lambda r: mib(r["rss_after"])),
        ("growth per series (RSS)", lambda r: f"{(r['rss_after'] - r['rss_empty']) / r['series']:,.0f} B"),
        ("store's own count per series", lambda r: f"{r['store_memory']['bytes'] / max(r['store_memory']['series'], 1):,.0f} B"),
        ("store's bytes per sample", lambda r: f"{r['store_memory']['bytes'] / max(r['store_memory']['samples'], 1):,.1f}"),
        ("goal: 4 KB/series + 2 B/sample", lambda r: mib(4096 * r['series'] + 2 * r['store_memory']['samples'])),
        ("restart with the store", lambda r: f"{r['start_full_s']:.2f} s"),
        ("store on disk", lambda r: mib(r["store_bytes"])),
        ("near-me parking (1 km), median", lambda r: f"{r['near_me_ms']:.1f} ms"),
    ]
    for path in DOCUMENTS:
        rows.append((f"{path}: size", lambda r, p=path: size(r["documents"][p]["bytes"])))
        rows.append((f"{path}: first / warm / 304", lambda r, p=path: "{:.1f} / {:.1f} / {} ms".format(
            r["documents"][p]["first_ms"], r["documents"][p]["warm_ms"],
            "-" if r["documents"][p]["revalidate_ms"] is None else f"{r['documents'][p]['revalidate_ms']:.1f}")))
    widths = [max(len(columns[0]), max(len(name) for name, _ in rows))] + [28] * len(results)
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for name, cell in rows:
        print("| " + " | ".join([name.ljust(widths[0])] + [cell(r).ljust(widths[1]) for r in results]) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/release"))
    parser.add_argument("--sizes", default="1,10,100,1000", help="scale factors, comma-separated")
    parser.add_argument("--count", type=int, default=200_000, help="messages per size")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--no-storm", action="store_true",
                        help="no rain and no discharge: readings only, no alert (the storm's alerts are most of "
                             "the bytes written at 1000x)")
    args = parser.parse_args()
    results = []
    for k in (int(size) for size in args.sizes.split(",")):
        work = tempfile.mkdtemp(prefix=f"cityfeeds-scale-{k}x-")
        print(f"{k}x: working in {work}", flush=True)
        run = Run(args.bin, k, args.count, work, storm=not args.no_storm)
        try:
            result = run.measure()
        finally:
            run.stop_all()
        print(f"  {json.dumps(result)}", flush=True)
        results.append(result)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)
    print("\n" + ("Without a storm (readings only)" if args.no_storm else "With a storm (every beach alerted)"))
    report(results, args.count)


if __name__ == "__main__":
    main()
