#!/usr/bin/env python3
"""A highly available pair behind HAProxy (deploy/haproxy-cityfeeds.cfg), with real processes on loopback:

  - one mosquitto, two cityfeedsd instances (their own client ids, ports and data directories, the same
    configuration and topics), HAProxy from the deploy file with its ports moved to free ones;
  - simulated traffic for 12 s while a reader polls /v1/parking through HAProxy every 10 ms;
  - after 4 s the active instance is killed (SIGKILL), after 8 s it is started again;
  - a discharge starts before the kill and stops while the instance is down;
  - the broker stopped: neither instance is ready, and HAProxy hands reads to one that is alive;
  - then nginx from deploy/nginx-cityfeeds-cache.conf in front of HAProxy: polls within a second are cache hits,
    and with both instances stopped the last answer is still served;
  - a district broker bridged to the central one (deploy/mosquitto-bridge.conf), the central broker restarted
    while 600 readings are published to the district: all 600 stored;
  - an operator closes a beach through the proxy while the first instance is down (the second takes it), and
    acknowledges the alert once it is back (the first takes it);
  - checks: no read failed through the proxy; the restarted instance caught up from its broker session (the two
    hold the same number of readings, nothing lost); the two instances' documents are the same apart from their
    generation times and ages; both hold both operators' writes; the alerts they hold are the same by
    fingerprint and start, with the same stop; a consumer of both alert logs, keeping one transition per
    (fingerprint, started_at, step), keeps exactly one instance's transitions; the retained beach statuses the
    two publish are byte for byte the same (each instance publishes on a topic of its own here, to tell them
    apart; in production they share one).

Run by scripts/ha-check.sh. Exits 1 on any failure, saying which.
"""
import json, os, re, signal, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import ROOT, check, finish, free_port, get, mosquitto, wait_ready  # noqa: E402

TOKEN = "ha-check-operator-token"


class Pair:
    def __init__(self, binary, work):
        self.binary, self.work = binary, work
        self.broker_port, self.proxy_port = free_port(), free_port()
        self.ports = {"a": free_port(), "b": free_port()}
        self.daemons, self.others = {}, []

    def start_broker(self):
        self.others.append(mosquitto(self.work, "broker", self.broker_port))

    def configuration(self, name):
        """The sample configuration with an operator token, and the retained statuses on the instance's own
        topic (the check compares them)."""
        path = os.path.join(self.work, f"cityfeeds-{name}.toml")
        if not os.path.exists(path):
            text = open(os.path.join(ROOT, "config/biarritz.toml")).read()
            text = text.replace("[http]\n", f'[http]\noperator_token = "{TOKEN}"\n', 1)
            text = text.replace('status_topic = "cityfeeds/status/beach/{beach}"',
                                f'status_topic = "cityfeeds/status/{name}/beach/{{beach}}"', 1)
            open(path, "w").write(text)
            # The documents carry the file's modification time (static_data_updated_at): a pair's files keep
            # the original's, as `install -p` or `rsync -t` would.
            original = os.stat(os.path.join(ROOT, "config/biarritz.toml"))
            os.utime(path, ns=(original.st_atime_ns, original.st_mtime_ns))
        return path

    def start_daemon(self, name):
        self.daemons[name] = subprocess.Popen(
            [self.binary, "run", "--config", self.configuration(name),
             "--broker", f"mqtt://127.0.0.1:{self.broker_port}", "--http", f"127.0.0.1:{self.ports[name]}",
             "--data-dir", os.path.join(self.work, f"data-{name}"), "--client-id", f"cityfeedsd-{name}",
             "--log-level", "warning"],
            stdout=open(os.path.join(self.work, f"cityfeedsd-{name}.log"), "a"), stderr=subprocess.STDOUT)
        return wait_ready(self.url(name, "/readyz"))

    def start_proxy(self):
        conf = open(os.path.join(ROOT, "deploy/haproxy-cityfeeds.cfg")).read()
        conf = conf.replace("log /dev/log local0 notice", "log stderr format raw local0 warning")
        # A test machine may allow few file descriptors: a few hundred connections are plenty here.
        conf = re.sub(r"maxconn \d+", "maxconn 256", conf)
        conf = conf.replace("bind 127.0.0.1:8080", f"bind 127.0.0.1:{self.proxy_port}")
        conf = re.sub(r"server a 127\.0\.0\.1:8081", f"server a 127.0.0.1:{self.ports['a']}", conf)
        conf = re.sub(r"server b 127\.0\.0\.1:8082", f"server b 127.0.0.1:{self.ports['b']}", conf)
        path = os.path.join(self.work, "haproxy.cfg")
        open(path, "w").write(conf)
        subprocess.run(["haproxy", "-c", "-q", "-f", path], check=True)
        self.others.append(subprocess.Popen(["haproxy", "-f", path], stdout=subprocess.DEVNULL,
                                            stderr=open(os.path.join(self.work, "haproxy.log"), "w")))
        return wait_ready(f"http://127.0.0.1:{self.proxy_port}/readyz")

    def url(self, name, path):
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def stop(self):
        for process in list(self.daemons.values()) + self.others[::-1]:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def post(url, body):
    """An operator's write: the answer's status."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def retained_statuses(pair, name):
    """The retained beach statuses instance `name` published: topic's last level → payload bytes."""
    output = subprocess.run(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(pair.broker_port), "-t", f"cityfeeds/status/{name}/beach/+",
         "-v", "-W", "1", "--retained-only"], capture_output=True, text=True).stdout
    return dict(line.split(" ", 1)[0].rsplit("/", 1)[1:] + [line.split(" ", 1)[1]]
                for line in output.splitlines() if " " in line)


def logged_transitions(pair, name):
    """Instance `name`'s alert log, one dict per transition."""
    path = os.path.join(pair.work, f"data-{name}", "alerts.jsonl")
    return [json.loads(line) for line in open(path) if line.strip()]


def broker_away(pair):
    """With the broker stopped, neither instance is ready; HAProxy then hands reads to one that is alive, whose
    documents say how old their data are, rather than answer 503. The broker comes back, and so do both."""
    print("the broker away from both instances:", flush=True)
    pair.others[0].terminate()
    pair.others[0].wait(10)
    time.sleep(2)  # both instances see the broker gone, and HAProxy's checks (two, half a second apart) fail
    ready = {}
    for name in ("a", "b"):
        try:
            ready[name] = get(pair.url(name, "/readyz"))[0]
        except urllib.error.HTTPError as error:
            ready[name] = error.code
    answers = []
    for _ in range(20):
        try:
            answers.append(get(f"http://127.0.0.1:{pair.proxy_port}/v1/parking")[0])
        except urllib.error.HTTPError as error:
            answers.append(error.code)
        time.sleep(0.05)
    check(ready == {"a": 503, "b": 503} and answers == [200] * 20,
          f"neither instance ready ({ready}), reads through HAProxy still answered: "
          f"{answers.count(200)} of {len(answers)} with 200")
    pair.others[0] = mosquitto(pair.work, "broker", pair.broker_port)
    check(all(wait_ready(pair.url(name, "/readyz")) for name in ("a", "b")), "the broker back, both ready again")


def cache(pair):
    """nginx from deploy/nginx-cityfeeds-cache.conf in front of HAProxy: a second poll is a cache hit, and with
    both instances stopped the last answer is still served."""
    print("nginx as a read cache:", flush=True)
    port = free_port()
    conf = open(os.path.join(ROOT, "deploy/nginx-cityfeeds-cache.conf")).read()
    conf = conf.replace("/var/cache/nginx/cityfeeds", os.path.join(pair.work, "nginx-cache"))
    conf = conf.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{pair.proxy_port};")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    temp = os.path.join(pair.work, "nginx")
    os.makedirs(temp, exist_ok=True)
    main = (f"worker_processes 1;\ndaemon off;\npid {temp}/nginx.pid;\nerror_log {temp}/error.log warn;\n"
            f"user {os.environ.get('USER') or 'root'};\nevents {{ worker_connections 256; }}\n"
            f"http {{ access_log off; client_body_temp_path {temp}; proxy_temp_path {temp};"
            f" fastcgi_temp_path {temp}; uwsgi_temp_path {temp}; scgi_temp_path {temp};\n{conf}\n}}\n")
    path = os.path.join(temp, "nginx.conf")
    open(path, "w").write(main)
    pair.others.append(subprocess.Popen(["nginx", "-c", path], stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(temp, "stderr.log"), "w")))
    url = f"http://127.0.0.1:{port}/v1/status"
    check(wait_ready(url), "nginx answers through HAProxy")

    def status():
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers.get("X-Cache-Status"), response.read()

    statuses = [status()[1] for _ in range(5)]
    check("HIT" in statuses, f"polls within a second are served from the cache ({statuses})")
    for name in ("a", "b"):
        pair.daemons[name].terminate()
        pair.daemons[name].wait(30)
    time.sleep(2.5)  # well past the cached answer's second
    down = []
    for name in ("a", "b"):
        try:
            get(pair.url(name, "/healthz"), timeout=1)
        except OSError:
            down.append(name)
    answers = [status() for _ in range(3)]
    check(down == ["a", "b"] and all(code == 200 and b"city" in body for code, _, body in answers),
          f"with both instances stopped, the last answer is still served "
          f"({', '.join(f'{code} {state}' for code, state, _ in answers)})")


def bridge(binary, work):
    """A district broker bridged to the central one (deploy/mosquitto-bridge.conf), the daemon on the central
    one; 600 readings published to the district at QoS 1 while the central broker is restarted: all stored."""
    print("a district broker bridged to the centre:", flush=True)
    central_port, district_port, http_port = free_port(), free_port(), free_port()
    fragment = open(os.path.join(ROOT, "deploy/mosquitto-bridge.conf")).read().replace(
        "address 127.0.0.1:1883", f"address 127.0.0.1:{central_port}")
    processes = {"central": mosquitto(work, "central", central_port),
                 "district": mosquitto(work, "district", district_port, fragment)}
    daemon = subprocess.Popen(
        [binary, "run", "--config", os.path.join(ROOT, "config/biarritz.toml"),
         "--broker", f"mqtt://127.0.0.1:{central_port}", "--http", f"127.0.0.1:{http_port}",
         "--data-dir", os.path.join(work, "data-bridge"), "--log-level", "warning"],
        stdout=open(os.path.join(work, "cityfeedsd-bridge.log"), "w"), stderr=subprocess.STDOUT)
    try:
        check(wait_ready(f"http://127.0.0.1:{http_port}/readyz"), "the daemon is subscribed at the centre")
        time.sleep(1)  # the bridge connects
        publisher = subprocess.Popen(
            ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(district_port), "-q", "1", "-l",
             "-t", "cityfeeds/parking/casino/occupancy"], stdin=subprocess.PIPE, text=True)
        start = int(time.time()) - 3_600
        for index in range(600):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + index))
            publisher.stdin.write(json.dumps({"ts": stamp, "occupied": index % 400}) + "\n")
            publisher.stdin.flush()
            if index == 200:
                processes["central"].terminate()  # the far broker goes away (saving its sessions) …
                processes["central"].wait(10)
            if index == 400:
                processes["central"] = mosquitto(work, "central", central_port)  # … and comes back
            time.sleep(0.01)
        publisher.stdin.close()
        publisher.wait(30)
        stored = 0
        for _ in range(300):
            stored = json.loads(get(f"http://127.0.0.1:{http_port}/healthz")[1]).get("stored_readings") or 0
            if stored >= 600:
                break
            time.sleep(0.1)
        check(stored == 600, f"nothing lost across the central broker's restart: {stored} of 600 readings stored")
    finally:
        for process in [daemon] + list(processes.values()):
            if process.poll() is None:
                process.terminate()
                process.wait(10)


def difference(a, b, path=""):
    """Where two documents first differ, for a failed check's message ("" when they do not)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = difference(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return ""
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            found = difference(x, y, f"{path}[{index}]")
            if found:
                return found
        return ""
    return "" if a == b else f" (first difference at {path or '/'}: {str(a)[:80]} vs {str(b)[:80]})"


def comparable(document):
    """A document without what differs between instances by the moment each rendered it."""
    if isinstance(document, dict):
        return {k: comparable(v) for k, v in document.items() if k not in ("generated_at", "data_age_seconds",
                                                                              "age_seconds")}
    if isinstance(document, list):
        return [comparable(v) for v in document]
    return document


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/cityfeedsd")
    with tempfile.TemporaryDirectory(prefix="cityfeeds-pair-") as work:
        pair = Pair(binary, work)
        try:
            pair.start_broker()
            check(pair.start_daemon("a") and pair.start_daemon("b"), "both instances ready")
            check(pair.start_proxy(), "HAProxy ready, its health checks passing")
            print("a pair behind HAProxy:", flush=True)
            results = {"reads": 0, "failures": [], "by": {}}
            running = threading.Event()
            running.set()

            def reader():
                while running.is_set():
                    try:
                        status, _ = get(f"http://127.0.0.1:{pair.proxy_port}/v1/parking")
                        results["reads"] += 1
                        if status != 200:
                            results["failures"].append(status)
                    except Exception as error:  # noqa: BLE001 — every failure a reader would see counts
                        results["failures"].append(repr(error)[:120])
                    time.sleep(0.01)

            thread = threading.Thread(target=reader)
            thread.start()
            traffic = subprocess.Popen(
                [binary, "simulate", "--config", os.path.join(ROOT, "config/biarritz.toml"),
                 "--broker", f"mqtt://127.0.0.1:{pair.broker_port}", "--interval", "0.05", "--duration", "12",
                 "--day-length", "60"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            def outfall(state):
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(pair.broker_port), "-q", "1",
                                "-t", "cityfeeds/sewer/outfall-marbella/state",
                                "-m", json.dumps({"ts": stamp, "state": state})], check=True)

            time.sleep(2)
            outfall("discharging")  # both instances raise the alert
            time.sleep(2)
            pair.daemons["a"].send_signal(signal.SIGKILL)
            pair.daemons["a"].wait()
            killed = time.monotonic()
            time.sleep(2)
            outfall("stopped")  # while a is down: it learns the stop from its session when it comes back
            # An operator's write while a is down: the proxy hands it to b, which shares it.
            closed = post(f"http://127.0.0.1:{pair.proxy_port}/v1/beaches/grande-plage/override",
                          {"action": "close", "reason": "Sewage discharge", "author": "mayor's office"})
            time.sleep(2)
            check(pair.start_daemon("a"), "the killed instance started again")
            print(f"  (a was down {time.monotonic() - killed:.1f} s)", flush=True)
            # And one once a is back: the proxy hands it to a.
            alert = next(a for a in json.loads(get(f"http://127.0.0.1:{pair.proxy_port}/v1/alerts")[1])["items"]
                         if a["fingerprint"] == "sewage_discharge:marbella")
            acknowledged = post(f"http://127.0.0.1:{pair.proxy_port}/v1/alerts/{alert['id']}/acknowledge",
                                {"by": "duty officer", "reason": "crew on the way"})
            traffic.wait(60)
            time.sleep(2)
            running.clear()
            thread.join()
            check(not results["failures"] and results["reads"] > 300,
                  f"reads through HAProxy: {results['reads']}, failed: {len(results['failures'])} "
                  f"{results['failures'][:3]}")
            # Caught up: both hold the same readings once the broker has delivered a's backlog.
            stored = {}
            for _ in range(100):
                stored = {name: json.loads(get(pair.url(name, "/healthz"))[1])["stored_readings"]
                          for name in ("a", "b")}
                if stored["a"] == stored["b"]:
                    break
                time.sleep(0.1)
            check(stored["a"] == stored["b"] and stored["a"] > 0,
                  f"nothing lost: a holds {stored['a']} readings, b {stored['b']}")
            for path in ("/v1/parking", "/v1/beaches", "/v1/districts/centre"):
                documents = {name: comparable(json.loads(get(pair.url(name, path))[1])) for name in ("a", "b")}
                check(documents["a"] == documents["b"],
                      f"the two instances give the same {path}{difference(documents['a'], documents['b'])}")
            # Alerts: the same ones, by the key consumers deduplicate on (docs/operations-at-scale.md).
            alerts = {name: sorted((a["fingerprint"], a["started_at"], a["state"], a.get("stopped_at")) for a in
                                   json.loads(get(pair.url(name, "/v1/alerts?state=all&limit=500"))[1])["items"])
                      for name in ("a", "b")}
            check(alerts["a"] == alerts["b"] and len(alerts["a"]) >= 1,
                  f"the same alerts by fingerprint and start, with the same stop ({alerts['a']})")
            # Operators' writes: each taken by one instance, held by both.
            beaches = {name: json.loads(get(pair.url(name, "/v1/beaches/grande-plage"))[1])["status"]
                       for name in ("a", "b")}
            check(closed == 200 and beaches == {"a": "closed", "b": "closed"},
                  f"a beach closed through the proxy while a was down is closed on both ({closed}, {beaches})")
            notes = {}
            for name in ("a", "b"):
                found = next(a for a in json.loads(get(pair.url(name, "/v1/alerts?state=all"))[1])["items"]
                             if a["fingerprint"] == "sewage_discharge:marbella")
                notes[name] = (found.get("acknowledged") or {}).get("at")
            check(acknowledged == 200 and notes["a"] is not None and notes["a"] == notes["b"],
                  f"an acknowledgement taken through the proxy is on both, with the same time ({notes})")
            # A consumer of both alert logs keeps one transition per (fingerprint, started_at, step).
            logs = {name: logged_transitions(pair, name) for name in ("a", "b")}
            keyed = {name: {(t["alert"]["fingerprint"], t["alert"]["started_at"], t["step"]): (t["kind"], t["at"])
                            for t in logs[name]} for name in ("a", "b")}
            both = logs["a"] + logs["b"]
            kept = {(t["alert"]["fingerprint"], t["alert"]["started_at"], t["step"]) for t in both}
            unequal = sorted((key, keyed["a"].get(key), keyed["b"].get(key)) for key in kept
                             if keyed["a"].get(key) != keyed["b"].get(key))
            check(not unequal and len(kept) == len(logs["a"]) == len(logs["b"]) > 0,
                  f"deduplicated by (fingerprint, started_at, step), the two logs' {len(both)} transitions are "
                  f"{len(kept)}, each log's {len(logs['a'])} and {len(logs['b'])}, with the same kinds and times"
                  + (f" (differ: {unequal[:3]})" if unequal else ""))
            # Retained statuses: what each instance published last is the same bytes.
            retained = {name: retained_statuses(pair, name) for name in ("a", "b")}
            check(len(retained["a"]) == 6 and retained["a"] == retained["b"],
                  f"the two instances' retained beach statuses are the same bytes ({len(retained['a'])} beaches)")
            broker_away(pair)
            cache(pair)
        finally:
            pair.stop()
        bridge(binary, work)
    finish()


if __name__ == "__main__":
    main()
