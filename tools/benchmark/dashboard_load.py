#!/usr/bin/python3
"""The dashboard's first load, as a leader's browser sees it: headless
Chromium (Debian's, through chromedriver) opens URL in a fresh profile, RUNS
times, and prints one JSON line: the milliseconds from navigation to the
region tree rendered, to the verified badge set and to the trends drawn (the
page marks each with performance.mark), and the bytes transferred
(compressed) for the page and everything it loaded, and of that for the
chart library. Used by tools/bench.

Usage: dashboard_load.py URL [RUNS]
"""
import json
import statistics
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 60


def one_load(url):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1920,1080", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url)
        marks = ("return ['tree-rendered', 'head-verified', 'trends-rendered'].map("
                 "(name) => (performance.getEntriesByName(name)[0] || {}).startTime)")
        WebDriverWait(driver, WAIT_SECONDS).until(
            lambda d: all(value is not None for value in d.execute_script(marks)))
        tree, verified, trends = driver.execute_script(marks)
        transferred = driver.execute_script(
            "return performance.getEntriesByType('navigation').concat("
            "performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0)")
        library = driver.execute_script(
            "return performance.getEntriesByType('resource').filter("
            "(e) => e.name.endsWith('/assets/echarts.min.js'))"
            ".reduce((s, e) => s + e.transferSize, 0)")
        return tree, verified, trends, transferred, library
    finally:
        driver.quit()


def main():
    url = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    loads = [one_load(url) for _ in range(runs)]
    print(json.dumps({
        "tree_rendered_ms": statistics.median(load[0] for load in loads),
        "head_verified_ms": statistics.median(load[1] for load in loads),
        "trends_rendered_ms": statistics.median(load[2] for load in loads),
        "transferred_bytes": statistics.median(load[3] for load in loads),
        "chart_library_bytes": statistics.median(load[4] for load in loads),
        "runs": runs,
    }))


if __name__ == "__main__":
    main()
