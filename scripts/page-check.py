#!/usr/bin/env python3
"""The public page in a real browser (Debian's headless Chromium through Selenium), against a real daemon and
broker on loopback, with the sample configuration and its simulated traffic:

  - axe-core 4.12, WCAG 2.1 A and AA rules: no violation on every page (home in French and in English, a beach, a
    car park, the search form with an error), at phone width (390 px) and desktop width (1280 px), before and
    after a live alert; a screenshot of each, kept in test-output/page/;
  - the keyboard alone reaches every link and control of the home page, in order;
  - with JavaScript disabled, the answers are there and the form filters (free of charge);
  - a discharge published on MQTT appears on an open page (the beach's card turns to "not advised") within a
    second, announced in the polite live region, the reader's focus left where it was: the delay is printed.

Run by scripts/page-check.sh (which prepares .venv-page); exits 1 on any failure, saying which.
"""
import argparse, json, os, subprocess, sys, tempfile, time
from datetime import datetime, timezone

import axe_playwright_python
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import ROOT, check, finish, free_port, mosquitto, wait_ready  # noqa: E402

AXE = open(os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")).read()
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def now_text():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Stack:
    """mosquitto and cityfeedsd on free loopback ports, stopped at the end."""

    def __init__(self, binary, work):
        self.binary, self.work = binary, work
        self.broker_port, self.http_port = free_port(), free_port()
        self.processes = []

    def start(self):
        self.processes.append(mosquitto(self.work, "broker", self.broker_port))
        self.processes.append(subprocess.Popen(
            [self.binary, "run", "--config", os.path.join(ROOT, "config/biarritz.toml"),
             "--broker", f"mqtt://127.0.0.1:{self.broker_port}", "--http", f"127.0.0.1:{self.http_port}",
             "--data-dir", os.path.join(self.work, "data"), "--log-level", "warning"],
            stdout=open(os.path.join(self.work, "cityfeedsd.log"), "w"), stderr=subprocess.STDOUT))
        if not wait_ready(self.url("/readyz")):
            raise RuntimeError(f"cityfeedsd not ready; see {self.work}/cityfeedsd.log")

    def simulate(self, seconds):
        subprocess.run([self.binary, "simulate", "--config", os.path.join(ROOT, "config/biarritz.toml"),
                        "--broker", f"mqtt://127.0.0.1:{self.broker_port}", "--interval", "0.1",
                        "--duration", str(seconds)], capture_output=True, check=False)

    def publish(self, topic, payload):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker_port), "-q", "1", "-t", topic,
                        "-m", json.dumps(payload)], check=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.http_port}{path}"

    def stop(self):
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def browser(width, javascript=True):
    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},900", "--lang=fr-FR", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    # A visitor whose browser asks for French (headless Chromium asks for English whatever --lang says).
    prefs = {"intl.accept_languages": "fr-FR,fr"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def axe_violations(driver):
    driver.execute_script(AXE)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(r => done(r.violations.map(v =>"
        " ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));", RULES)


def audit(stack, output, label):
    pages = [("home", "/"), ("home-en", "/?lang=en"), ("beach", "/beaches/grande-plage"),
             ("carpark", "/parking/casino"), ("search", "/?near=centre&free=1&height=abc#parking")]
    for width in (390, 1280):
        driver = browser(width)
        try:
            for name, path in pages:
                driver.get(stack.url(path))
                violations = axe_violations(driver)
                check(not violations, f"axe, WCAG 2.1 A/AA, {label}, {path} at {width} px: "
                      + ("no violation" if not violations else json.dumps(violations, ensure_ascii=False)))
                driver.save_screenshot(os.path.join(output, f"{name}-{label}-{width}.png"))
        finally:
            driver.quit()


def keyboard(stack):
    driver = browser(1280)
    try:
        driver.get(stack.url("/"))
        wanted = driver.execute_script(
            "const all = [...document.querySelectorAll('a[href], button, input, select')].filter(e =>"
            " e.type !== 'hidden' && !e.hidden && e.offsetParent !== null || e.classList.contains('skip'));"
            "all.forEach((e, i) => e.setAttribute('data-k', i)); return all.length;")
        body = driver.find_element(By.TAG_NAME, "body")
        reached = []
        body.send_keys(Keys.TAB)
        for _ in range(wanted + 5):
            index = driver.execute_script("return document.activeElement.getAttribute('data-k');")
            if index is not None and index not in reached:
                reached.append(index)
            driver.switch_to.active_element.send_keys(Keys.TAB)
        check(len(reached) == wanted, f"keyboard: Tab reaches {len(reached)} of the {wanted} links and controls")
        check(reached == sorted(reached, key=int), "keyboard: in the page's order")
    finally:
        driver.quit()


def without_javascript(stack):
    driver = browser(390, javascript=False)
    try:
        driver.get(stack.url("/"))
        text = driver.find_element(By.TAG_NAME, "main").text
        check("Peut-on se baigner ?" in text and "Où se garer ?" in text, "without JavaScript: the answers are there")
        check(driver.find_element(By.ID, "locate").get_attribute("hidden") is not None,
              "without JavaScript: no location button that would do nothing")
        driver.find_element(By.ID, "free").click()
        driver.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
        time.sleep(0.5)
        listed = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "ul.carparks h3 a")]
        check("free=1" in driver.current_url and listed and all(
            name in ("Parking relais Halle d'Iraty", "Parking Aguilera") for name in listed),
            f"without JavaScript: the form filters free-of-charge car parks ({', '.join(listed)})")
    finally:
        driver.quit()


def live(stack, output):
    driver = browser(1280)
    try:
        driver.get(stack.url("/"))
        time.sleep(1.0)  # the page's stream connects
        language = driver.find_element(By.CSS_SELECTOR, "a.lang")
        driver.execute_script("arguments[0].focus();", language)
        card = "li.card:has(a[href^='/beaches/grande-plage'])"
        # Read in one script call: the live update replaces the element between two WebDriver calls.
        text = lambda: driver.execute_script(
            "const c = document.querySelector(arguments[0]); return c ? c.textContent : '';", card)
        before = text()
        began = time.monotonic()
        stack.publish("cityfeeds/sewer/outfall-port-vieux/state", {"ts": now_text(), "state": "discharging"})
        seen = None
        while time.monotonic() - began < 5:
            if "Baignade déconseillée" in text():
                seen = time.monotonic() - began
                break
            time.sleep(0.02)
        print(f"  live: the discharge reached the open page in {seen * 1000:.0f} ms" if seen else
              "  live: the discharge did not reach the page in 5 s", flush=True)
        check(seen is not None and seen < 1.0, "live: a discharge appears on an open page within 1 s")
        check("Baignade déconseillée" not in before, "live: the card changed (it did not say so before)")
        time.sleep(0.1)
        announced = driver.execute_script("return document.getElementById('live').textContent;")
        check(announced.startswith("Mise à jour automatique"), f"live: announced politely ({announced!r})")
        focused = driver.execute_script("return document.activeElement === arguments[0];", language)
        check(focused, "live: the reader's focus stayed where it was")
        driver.save_screenshot(os.path.join(output, "home-live-1280.png"))
    finally:
        driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/cityfeedsd"))
    parser.add_argument("--output", default=os.path.join(ROOT, "test-output/page"))
    arguments = parser.parse_args()
    os.makedirs(arguments.output, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cityfeeds-page-") as work:
        stack = Stack(arguments.binary, work)
        try:
            stack.start()
            stack.simulate(3)
            print("public page in Chromium:", flush=True)
            audit(stack, arguments.output, "quiet")
            keyboard(stack)
            without_javascript(stack)
            live(stack, arguments.output)
            audit(stack, arguments.output, "alert")
        finally:
            stack.stop()
    print(f"screenshots: {arguments.output}")
    finish()


if __name__ == "__main__":
    main()
