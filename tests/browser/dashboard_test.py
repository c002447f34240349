#!/usr/bin/python3
"""`aidledger serve` in a real browser: headless Chromium, driven by Debian's
python3-selenium and chromedriver, logs in through the form, reads the region
tree and checks its figures against /v1/balances, drills down, moves the
as-of date, and checks what a browser must never do: run a name from the
ledger as markup, or send a request to another origin. It checks the trends
(table and chart) against /v1/series, and that the page breaks no rule of its
Content-Security-Policy. Then it serves the sample ledger (--sample) and takes
the screenshots (1920x1080 and 1366x768) that README shows; they go to --out.

Usage: dashboard_test.py --aidledger BIN --sample CSV --out DIR (run by ctest,
label browser).
"""
import argparse
import decimal
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

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
                     "--disable-sync", "--lang=zh-CN"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def requested_urls(driver):
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def api(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def wan_yuan(fen):
    """fen as the page must show it: 万元, two decimals, half up, grouped."""
    value = (decimal.Decimal(fen) / decimal.Decimal(1_000_000)).quantize(
        decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
    return f"{value:,.2f}"


# The page redraws its tables when data arrives, so a table is read in one
# script call: element by element, a redraw between two reads would leave the
# test holding a row that is no longer in the page.
READ_CELLS = """
const [rows, key, cellAttribute, textProperty] = arguments;
return Array.from(document.querySelectorAll(rows), row => [
  row.getAttribute(key),
  Array.from(row.querySelectorAll(`td[${cellAttribute}]`),
             cell => [cell.getAttribute(cellAttribute), cell[textProperty].trim()])]);
"""


def shown_cells(driver, rows, key, cell_attribute, text_property="innerText"):
    """[(row's `key`, {cell's `cell_attribute`: its text})] as of one instant.
    innerText is the text as shown (Selenium's .text); textContent includes
    what is hidden."""
    return [(name, dict(cells)) for name, cells in
            driver.execute_script(READ_CELLS, rows, key, cell_attribute, text_property)]


def shown_row(driver, code):
    rows = shown_cells(driver, f"table#tree tr[data-code='{code}']", "data-code", "data-field")
    if len(rows) != 1:
        raise AssertionError(f"region {code}: {len(rows)} rows in the tree")
    return rows[0][1]


def expected_row(report, code):
    total = next(item for item in report["regions"] if item["code"] == code)["total"]
    row = {field: wan_yuan(total[field]) for field in
           ("allocated_fen", "disbursed_fen", "balance_fen", "invested_fen", "sales_fen")}
    row["projects"] = total["projects"]
    return row


def shown_trends(driver):
    """The trend table: {period: {metric: 万元 text}}."""
    return dict(shown_cells(driver, "table#trend-table tbody tr", "data-period", "data-metric",
                            "textContent"))


def expected_trends(series):
    return {point["period"]: {metric: wan_yuan(fen)
                              for metric, fen in zip(series["metrics"], point["values_fen"])}
            for point in series["points"]}


def wait_for_trends(wait, series):
    """Waits until the table and the chart show `series` (the chart once
    ECharts drew it: a canvas, as many points as the series)."""
    wait.until(lambda d: shown_trends(d) == expected_trends(series)
               and d.find_elements(By.CSS_SELECTOR, "#trend-chart canvas")
               and d.find_element(By.ID, "trend-chart").get_attribute("data-points")
               == str(len(series["points"])))


def waiter(driver):
    """A wait whose condition is tried again when the page redrew an element
    under it: only the condition's final, true reading counts."""
    return WebDriverWait(driver, WAIT_SECONDS,
                         ignored_exceptions=(StaleElementReferenceException,))


def set_viewport(driver, width, height):
    """The page's own size (a window's size would include the browser's frame)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1,
                            "mobile": False})


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}")


def screenshots(flags, work):
    """The sample ledger on a wall screen and a laptop: README's pictures."""
    db = os.path.join(work, "青岛市东西部协作")
    run(flags.aidledger, db, "init")
    run(flags.aidledger, db, "import", flags.sample)
    tokens = os.path.join(work, "sample-tokens")
    token = run(flags.aidledger, db, "token", "add", "--role", "reader", "--name", "leader",
                "--tokens", tokens).strip()
    server, base = start_server(flags.aidledger, db, tokens)
    driver = browser()
    try:
        wait = waiter(driver)
        driver.get(base + "/login")
        field = driver.find_element(By.NAME, "token")
        field.send_keys(token)
        field.submit()
        wait.until(expected_conditions.url_to_be(base + "/"))
        view = "period=quarter&from=2019-01"
        series = api(base, token, "/v1/series?" + view)
        for width, height in ((1920, 1080), (1366, 768)):
            set_viewport(driver, width, height)
            driver.get(base + "/?" + view)
            wait.until(lambda d: d.find_element(By.ID, "verified").get_attribute("class") == "ok")
            wait_for_trends(wait, series)
            path = os.path.join(flags.out, f"dashboard-{width}x{height}.png")
            driver.save_screenshot(path)
            print(f"screenshot: {path}")
        check(True, "the sample ledger's dashboard shows verified figures and trends")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aidledger", required=True)
    parser.add_argument("--sample", required=True)
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
        for code, name, parent in (("621102", "安定区", "621100"), ("370200", "青岛市", "")):
            run(flags.aidledger, db, "region", "add", "--code", code, "--name", name,
                "--date", "2016-01-01", *(("--parent", parent) if parent else ()))
        run(flags.aidledger, db, "pair", "--helper", "370200", "--recipient", "621100",
            "--program", "east-west", "--date", "2016-01-01")
        run(flags.aidledger, db, "allocate", "--helper", "370200", "--recipient", "621102",
            "--amount", "1234567.89", "--date", "2020-03-01")
        run(flags.aidledger, db, "allocate", "--helper", "370200", "--recipient", "621100",
            "--amount", "8000.05", "--date", "2023-06-01")
        # 市南区, under 青岛市, buys from 日喀则市 (outside the tree the page
        # shows first): 青岛市's helper total includes it, its own does not.
        run(flags.aidledger, db, "region", "add", "--code", "370202", "--name", "市南区",
            "--parent", "370200", "--date", "2016-01-01")
        run(flags.aidledger, db, "region", "add", "--code", "540200", "--name", "日喀则市",
            "--date", "2016-01-01")
        run(flags.aidledger, db, "sale", "--region", "540200", "--helper", "370202",
            "--amount", "30000", "--date", "2022-05-01")
        tokens = os.path.join(work, "tokens")
        token = run(flags.aidledger, db, "token", "add", "--role", "reader", "--name",
                    "dashboard", "--tokens", tokens).strip()
        auditor = run(flags.aidledger, db, "token", "add", "--role", "auditor", "--name",
                      "auditor", "--tokens", tokens).strip()
        server, base = start_server(flags.aidledger, db, tokens)
        driver = browser()
        wait = waiter(driver)

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
        check("截至 seq 10" in text, "the front page shows the head (截至 seq 10)")
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

        # The region tree: the ledger's figures, as /v1/balances gives them.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-code='620000']"))
        head = api(base, token, "/v1/balances")
        for code in ("620000", "370200"):
            check(shown_row(driver, code) == expected_row(head, code),
                  f"region {code} shows /v1/balances' figures: {shown_row(driver, code)}")
        check(shown_row(driver, "620000")["allocated_fen"] == "124.26",
              "甘肃省 shows its roll-up, 1,242,567.94 yuan, as 124.26 万元")
        driver.find_element(By.CSS_SELECTOR, "tr[data-code='620000'] button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-code='621100']"))
        check(driver.current_url == base + "/?region=620000", "a click drills down into the URL")
        check(shown_row(driver, "621100") == expected_row(head, "621100"),
              "定西市 shows its figures after drilling down")
        driver.find_element(By.CSS_SELECTOR, "tr[data-code='621100'] button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-code='621102']"))
        check(shown_row(driver, "621102") == expected_row(head, "621102"),
              "安定区 (a county) shows its figures")
        # The verified badge: the browser checked the head's inclusion in the
        # digest's Merkle root itself (WebCrypto), and the figures are the
        # head's; the same check refuses a root changed by one bit.
        wait.until(lambda d: d.find_element(By.ID, "verified").get_attribute("class") in ("ok", "bad"))
        badge = driver.find_element(By.ID, "verified")
        digest = api(base, token, "/v1/digest")
        check(badge.get_attribute("class") == "ok" and "已验证" in badge.text
              and digest["merkle_root"][:16] in badge.text,
              f"the badge says verified, with the root: {badge.text}")
        proof = api(base, token, "/v1/head-proof")
        seq = int(proof["seq"])
        script = ("const done = arguments[arguments.length - 1];"
                  "import('/assets/app.js').then((m) => m.verifyInclusion("
                  "arguments[0], arguments[1], arguments[2], arguments[3], arguments[4]))"
                  ".then(done, (e) => done('error: ' + e));")
        root = proof["merkle_root"]
        bad_root = ("1" if root[0] == "0" else "0") + root[1:]
        check(driver.execute_async_script(script, seq - 1, seq, proof["leaf_hash"],
                                          proof["audit_path"], root) is True,
              "the page's check accepts the head's proof")
        check(driver.execute_async_script(script, seq - 1, seq, proof["leaf_hash"],
                                          proof["audit_path"], bad_root) is False,
              "the page's check refuses another root")
        check(driver.execute_async_script(script, seq - 2, seq, proof["leaf_hash"],
                                          proof["audit_path"], root) is False,
              "the page's check refuses the proof at another index")
        # Every event's proof from the server's own (C++) prover passes it too.
        for m in range(1, seq + 1):
            full = api(base, auditor, f"/v1/proof?seq={m}")
            accepted = driver.execute_async_script(
                script, m - 1, int(full["tree_size"]), full["leaf_hash"],
                full.get("audit_path", []), full["digest"]["merkle_root"])
            check(accepted is True, f"the page's check accepts /v1/proof?seq={m}")

        # Helpers by program: /v1/helpers' figures, per helper and program.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table#helpers tr[data-program]"))
        helpers = api(base, token, "/v1/helpers")
        qingdao = next(item for item in helpers["helpers"] if item["code"] == "370200")
        east_west = next(part for part in qingdao["by_program"]
                         if part["program"] == "EAST_WEST_COOPERATION")
        helper_rows = "table#helpers tr[data-helper='370200']"
        row_text = driver.execute_script(
            "return document.querySelector(arguments[0]).innerText",
            helper_rows + "[data-program='EAST_WEST_COOPERATION']")
        cells = shown_cells(driver, helper_rows + "[data-program='EAST_WEST_COOPERATION']",
                            "data-program", "data-field")[0][1]
        check(cells == {field: wan_yuan(east_west[field])
                        for field in ("allocated_fen", "invested_fen", "sales_fen")}
              and "东西部协作" in row_text,
              f"青岛市's 东西部协作 row shows /v1/helpers' figures: {cells}")
        # 青岛市's total rolls up its districts' giving, with its own beside it.
        shown_total = shown_cells(driver, "table#helpers tr.total[data-helper='370200']",
                                  "data-helper", "data-field")[0][1]
        shown_own = shown_cells(driver, helper_rows + "[data-own]", "data-helper",
                                "data-field")[0][1]
        check(int(qingdao["total"]["sales_fen"]) == 3_000_000 and int(qingdao["sales_fen"]) == 0
              and shown_total["sales_fen"] == wan_yuan(qingdao["total"]["sales_fen"]) == "3.00"
              and shown_own["sales_fen"] == wan_yuan(qingdao["sales_fen"]) == "0.00"
              and shown_total["allocated_fen"] == shown_own["allocated_fen"]
              == wan_yuan(qingdao["allocated_fen"]),
              f"青岛市's 合计 includes its districts, 本级 is its own: {shown_total} {shown_own}")

        # Trends of the region shown: the table is /v1/series' figures, the
        # chart draws as many points.
        driver.get(base + "/?region=620000")
        months = api(base, token, "/v1/series?region=620000&period=month")
        check(len(months["points"]) == 40, "甘肃省's series runs 2020-03 to 2023-06 by month")
        wait_for_trends(wait, months)
        check(shown_trends(driver)["2020-03"]["allocated"] == "123.46"
              and shown_trends(driver)["2023-06"]["allocated"] == "0.80",
              "the trend table shows /v1/series by month, in 万元")
        Select(driver.find_element(By.ID, "period")).select_by_value("year")
        driver.find_element(By.CSS_SELECTOR, "form#trend-range button").click()
        years = api(base, token, "/v1/series?region=620000&period=year")
        wait_for_trends(wait, years)
        check(driver.current_url == base + "/?region=620000&period=year",
              "the period chosen goes into the URL")
        check(shown_trends(driver)["2023"]["allocated"] == "0.80",
              "by year: /v1/series?period=year")
        driver.get(base + "/?region=621100&period=quarter&from=2020-01&to=2020-12&as_of=2020-02-29")
        quarters = api(base, token,
                       "/v1/series?region=621100&period=quarter&from=2020-01&to=2020-12&as_of=2020-02-29")
        wait_for_trends(wait, quarters)
        check(list(shown_trends(driver)) == ["2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"]
              and shown_trends(driver)["2020-Q1"]["allocated"] == "0.00",
              "a range and an as-of date from the URL: nothing allocated by 2020-02-29")

        # Time travel: the URL carries the date; the figures are the ledger's
        # as of it.
        driver.get(base + "/?region=620000&as_of=2021-12-31")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-code='621100']"))
        past = api(base, token, "/v1/balances?as_of=2021-12-31")
        check(shown_row(driver, "621100") == expected_row(past, "621100"),
              "as of 2021-12-31, 定西市 shows /v1/balances?as_of=2021-12-31")
        check(shown_row(driver, "621100")["allocated_fen"] == "123.46",
              "as of 2021-12-31 the 2023 allocation is not counted (123.46 万元)")
        check(driver.find_element(By.ID, "as-of").get_attribute("value") == "2021-12-31",
              "the date field shows the date of the URL")

        for width, height in ((1920, 1080), (1366, 768)):
            set_viewport(driver, width, height)
            path = os.path.join(flags.out, f"front-page-{width}x{height}.png")
            driver.save_screenshot(path)
            print(f"screenshot: {path}")

        problems = [entry["message"] for entry in driver.get_log("browser")
                    if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]]
        check(not problems, f"the console shows no error and no CSP violation: {problems}")

        driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        wait.until(expected_conditions.url_to_be(base + "/login"))
        driver.get(base + "/")
        wait.until(expected_conditions.url_contains("/login"))
        check(driver.current_url == base + "/login", "after logout / leads to the login form again")

        urls = requested_urls(driver)
        # (data: URLs are the browser's own, such as the date field's icon.)
        foreign = [url for url in urls
                   if not url.startswith(base + "/") and not url.startswith("data:")]
        check(urls and not foreign, f"all {len(urls)} requests went to {base}: {foreign}")
        check(any(url == base + "/assets/echarts.min.js" for url in urls),
              "the chart library came from the server itself")
        driver.quit()
        driver = None
        server.terminate()
        server.wait(timeout=30)
        server = None
        screenshots(flags, work)
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
