#!/usr/bin/python3
"""`aidledger serve` in a real browser: headless Chromium, driven by Debian's
python3-selenium and chromedriver, logs in through the form, reads the front
page, and checks what a browser must never do: run a name from the ledger as
markup, or send a request to another origin. Screenshots go to --out.

Usage: login_test.py --aidledger BIN --out DIR (run by ctest, label browser).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

MARKUP_NAME = "<img src=x onerror=alert(1)>"
WAIT_SECONDS = 20


def run(aidledger, db, *args):
    result = subprocess.run([aidledger, "--db", db, *args], capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        sys.exit(f"aidledger {' '.join(args)}: exit {result.returncode}: {result.stderr}")
    return result.stdout


def start_server(aidledger, db, tokens):
    server = subprocess.Popen([aidledger, "--db", db, "serve", "--listen", "127.0.0.1:0",
                               "--tokens", tokens],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if not match:
        server.kill()
        sys.exit(f"serve did not start: {line}{server.stdout.read()}")
    return server, match.group(1)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1920,1080",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-default-apps",
                     "--disable-sync"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def requested_urls(driver):
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aidledger", required=True)
    parser.add_argument("--out", required=True)
    flags = parser.parse_args()
    os.makedirs(flags.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="aidledger-browser-")
    server = None
    driver = None
    try:
        db = os.path.join(work, MARKUP_NAME)
        run(flags.aidledger, db, "init")
        run(flags.aidledger, db, "region", "add", "--code", "620000", "--name", "甘肃省",
            "--date", "2016-01-01")
        run(flags.aidledger, db, "region", "add", "--code", "621100", "--name", "定西市",
            "--parent", "620000", "--date", "2016-01-01")
        tokens = os.path.join(work, "tokens")
        token = run(flags.aidledger, db, "token", "add", "--role", "reader", "--name",
                    "dashboard", "--tokens", tokens).strip()
        server, base = start_server(flags.aidledger, db, tokens)
        driver = browser()
        wait = WebDriverWait(driver, WAIT_SECONDS)

        driver.get(base + "/")
        wait.until(expected_conditions.url_contains("/login"))
        check(driver.current_url == base + "/login", "without a session / leads to the login form")
        field = driver.find_element(By.NAME, "token")
        check(field.get_attribute("type") == "password", "the token field hides what is typed")
        field.send_keys(token)
        field.submit()
        wait.until(expected_conditions.url_to_be(base + "/"))
        check("token" not in driver.current_url, "the token is not in the URL")
        text = driver.find_element(By.TAG_NAME, "body").text
        check("截至 seq 2" in text, "the front page shows the head (截至 seq 2)")
        check(MARKUP_NAME in text, "the ledger named with markup is shown as text")
        check(not driver.find_elements(By.TAG_NAME, "img"), "the name made no element")
        try:
            driver.switch_to.alert
            dialog = True
        except NoAlertPresentException:
            dialog = False
        check(not dialog, "no dialog opened")
        cookie = driver.get_cookie("aidledger_session")
        check(cookie is not None and cookie["httpOnly"] and cookie.get("sameSite") == "Strict",
              "the session cookie is HttpOnly and SameSite=Strict")
        check(driver.execute_script("return document.cookie") == "",
              "no script can read the session cookie")
        check(driver.execute_script("return window.localStorage.length") == 0,
              "nothing is kept in local storage")

        for width, height in ((1920, 1080), (1366, 768)):
            driver.set_window_size(width, height)
            path = os.path.join(flags.out, f"front-page-{width}x{height}.png")
            driver.save_screenshot(path)
            print(f"screenshot: {path}")

        driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        wait.until(expected_conditions.url_to_be(base + "/login"))
        driver.get(base + "/")
        wait.until(expected_conditions.url_contains("/login"))
        check(driver.current_url == base + "/login", "after logout / leads to the login form again")

        urls = requested_urls(driver)
        foreign = [url for url in urls if not url.startswith(base + "/")]
        check(urls and not foreign, f"all {len(urls)} requests went to {base}: {foreign}")
        print("PASS")
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
