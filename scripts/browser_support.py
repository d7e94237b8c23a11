"""What the browser tests share: the server under test, browsers, checks and screenshots."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "firstcome")
ARTIFACTS = os.path.join(ROOT, "artifacts", "browser")
ADMIN = "browser-test-admin-token"


def check(condition, message):
    if not condition:
        raise AssertionError(message)


class Server:
    """The firstcome binary on a free port; its log tells which."""

    def __init__(self, folder):
        env = dict(os.environ, FIRSTCOME_ADMIN_TOKEN=ADMIN, FIRSTCOME_LOG_LEVEL="notice")
        self.log = open(os.path.join(folder, "server.log"), "w+")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--db", os.path.join(folder, "fc.sqlite"), "--port", "0", "--tick-ms", "700",
             "--admission-url", "https://shop.example/claim?t={token}"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            self.log.seek(0)
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log.read())
            if found:
                self.base = "http://127.0.0.1:" + found.group(1)
                return
            check(self.process.poll() is None, "the server exited at start")
            time.sleep(0.1)
        raise AssertionError("the server did not start within 30 s")

    def api(self, method, path, body=None, admin=False):
        request = urllib.request.Request(self.base + path, method=method, data=json.dumps(body).encode() if body else None)
        request.add_header("Content-Type", "application/json")
        if admin:
            request.add_header("Authorization", "Bearer " + ADMIN)
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read() or b"null")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def browser(language, javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=480,900",
                     "--lang=" + language):
        options.add_argument(argument)
    prefs = {"intl.accept_languages": language}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def shoot(driver, name):
    path = os.path.join(ARTIFACTS, name + ".png")
    driver.save_screenshot(path)
    print("browser test: screenshot " + path, flush=True)


SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


def shoot_sizes(driver, name):
    """The same page as a phone and a desktop show it (the viewport at those sizes: the
    window is larger by the browser's own bars), then back to the test's size."""
    for size, (width, height) in SIZES.items():
        driver.set_window_size(width, height)
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        if inner != [width, height]:
            driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
        shoot(driver, f"{name}-{size}")
    driver.set_window_size(480, 900)


def steady_text(driver, element_id):
    """An element's text on a page that may reload itself meanwhile (live updates)."""
    for _ in range(40):
        try:
            return driver.find_element(By.ID, element_id).text
        except StaleElementReferenceException:
            time.sleep(0.25)
    raise AssertionError(f"#{element_id} kept going stale")


def rfc3339(seconds_from_now):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + seconds_from_now)) + "Z"
