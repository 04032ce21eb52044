"""Alert-stream soak: many SSE clients, most of which never read, against live alerts.

Opens CLIENTS connections to GET /v1/alerts/stream (READERS of them read; the rest send their request and never
read a byte, with a 4 KiB receive buffer), spread over several loopback source addresses as clients behind
different addresses would be. Meanwhile outfalls start and stop discharging over MQTT (a minimal MQTT 3.1.1
publisher, QoS 0), so the daemon raises, updates and resolves alerts. It prints the daemon's resident memory
over time, the readers' delivery latency (arrival minus the transition's `recorded_at`, when the daemon
journalled it), how many stalled clients the daemon cut, and how long SIGTERM then takes.
Standard library only; run through benchmarks/stream-soak.sh.
"""
import argparse
import asyncio
import calendar
import json
import os
import signal
import socket
import struct
import time
import urllib.request


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def metric(http, name):
    text = urllib.request.urlopen(f"http://{http}/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return float("nan")


def mqtt_packet(kind, body):
    length, encoded = len(body), b""
    while True:
        byte, length = length % 128, length // 128
        encoded += bytes([byte | (0x80 if length else 0)])
        if not length:
            return bytes([kind]) + encoded + body


def mqtt_string(text):
    data = text.encode()
    return struct.pack("!H", len(data)) + data


class Publisher:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(mqtt_packet(0x10, mqtt_string("MQTT") + bytes([4, 2]) + struct.pack("!H", 60) + mqtt_string("stream-soak")))
        self.sock.recv(4)  # CONNACK

    def publish(self, topic, payload):
        self.sock.sendall(mqtt_packet(0x30, mqtt_string(topic) + payload.encode()))


STREAM_REQUEST = b"GET /v1/alerts/stream HTTP/1.1\r\nHost: soak\r\nAccept: text/event-stream\r\n\r\n"


async def open_reader(http, source):
    host, port = http.split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(STREAM_REQUEST)
    await writer.drain()
    return reader, writer


def open_sleeper(http, source):
    """A client that sends its request and never reads a byte. It is a plain socket that the event loop never
    watches: an asyncio stream would keep reading into its own buffer (up to 128 KiB) on the client's behalf, and
    the run would measure the client's work instead of the daemon's."""
    host, port = http.split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.bind((source, 0))
    sock.connect((host, int(port)))
    sock.sendall(STREAM_REQUEST)
    return sock


async def read_events(reader, arrivals, stop):
    """Reads as fast as bytes come, noting when each chunk arrived; parsing waits for the end of the run, so
    that the client's own work does not delay the reading of other clients' sockets (and the measurement)."""
    while not stop.is_set():
        chunk = await reader.read(65536)
        if not chunk:
            return
        arrivals.append((time.time(), chunk))


def latencies_from(arrivals):
    """Arrival minus `recorded_at` for every transition received, in milliseconds."""
    latencies = []
    buffer = b""
    for now, chunk in arrivals:
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if line.startswith(b"data: {"):
                    try:
                        recorded = json.loads(line[6:]).get("recorded_at")
                    except ValueError:
                        continue  # a chunk-size line of the chunked encoding in the middle: skip it
                    if recorded:
                        stamp = calendar.timegm(time.strptime(recorded[:19], "%Y-%m-%dT%H:%M:%S"))
                        stamp += float("0." + recorded[20:23]) if len(recorded) > 22 else 0
                        latencies.append((now - stamp) * 1000)
    return latencies


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", required=True)
    parser.add_argument("--broker-port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=20, help="outfall state changes per second")
    args = parser.parse_args()

    print(f"daemon RSS at start: {rss_mb(args.pid):.0f} MB")
    sources = [f"127.0.0.{2 + index % 8}" for index in range(args.clients)]
    stop = asyncio.Event()
    arrivals = [[] for _ in range(args.readers)]
    readers, sleepers = [], []
    for index in range(args.clients):
        reading = index % (args.clients // max(1, args.readers)) == 0 and len(readers) < args.readers
        if reading:
            readers.append(await open_reader(args.http, sources[index]))
        else:
            sleepers.append(open_sleeper(args.http, sources[index]))
    tasks = [asyncio.create_task(read_events(reader, arrivals[index], stop)) for index, (reader, _) in enumerate(readers)]
    print(f"{len(readers)} readers and {len(sleepers)} never-reading clients connected; RSS {rss_mb(args.pid):.0f} MB")

    publisher = Publisher(args.broker_port)
    outfalls = ["outfall-port-vieux", "outfall-cote-des-basques", "outfall-marbella"]
    started = time.time()
    next_report = started + 10
    step = 0
    while time.time() - started < args.seconds:
        outfall = outfalls[step % len(outfalls)]
        state = "discharging" if (step // len(outfalls)) % 2 == 0 else "stopped"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (int(time.time() * 1000) % 1000)
        publisher.publish(f"cityfeeds/sewer/{outfall}/state", json.dumps({"ts": stamp, "state": state}))
        step += 1
        await asyncio.sleep(1 / args.rate)
        if time.time() >= next_report:
            next_report += 10
            print(f"  {time.time() - started:4.0f} s: RSS {rss_mb(args.pid):.0f} MB, "
                  f"{sum(len(chunks) for chunks in arrivals)} chunks to readers, "
                  f"{metric(args.http, 'cityfeeds_http_connections'):.0f} connections open, "
                  f"{metric(args.http, 'cityfeeds_alert_stream_ended_too_slow_total'):.0f} streams ended too slow")
    await asyncio.sleep(2)
    stop.set()
    latencies = sorted(value for chunks in arrivals for value in latencies_from(chunks))

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")

    print(f"readers' delivery latency over {len(latencies)} deliveries: p50 {percentile(0.5):.1f} ms, "
          f"p99 {percentile(0.99):.1f} ms, max {latencies[-1] if latencies else float('nan'):.1f} ms")
    print(f"daemon RSS at the end: {rss_mb(args.pid):.0f} MB; streams ended too slow: "
          f"{metric(args.http, 'cityfeeds_alert_stream_ended_too_slow_total'):.0f}; connections open: "
          f"{metric(args.http, 'cityfeeds_http_connections'):.0f}")
    begun = time.time()
    os.kill(args.pid, signal.SIGTERM)
    while True:
        try:
            os.kill(args.pid, 0)
        except ProcessLookupError:
            break
        if time.time() - begun > 120:
            print("SIGTERM: still running after 120 s")
            return
        await asyncio.sleep(0.05)
    print(f"SIGTERM to exit, with the stalled clients still connected: {time.time() - begun:.1f} s")
    for task in tasks:
        task.cancel()


asyncio.run(main())
