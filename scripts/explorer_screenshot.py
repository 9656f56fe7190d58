#!/usr/bin/python3
"""Takes a screenshot of the explorer page (headless Chromium) for the README.

  scripts/explorer_screenshot.py OUT.png --cli build/release/tools/embedkit/embedkit \
      --word music --compare-with other=other.ekv demo=build/demo/vectors.ekv

Starts `embedkit serve` on the files on a free port, opens the page on --word, optionally picks
the second model to compare with and the 3-D map, and saves the window as a PNG.
"""
import argparse
import re
import shutil
import subprocess
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("models", nargs="+", help="NAME=PATH, as embedkit serve takes them")
    parser.add_argument("--cli", default="embedkit")
    parser.add_argument("--word", default="music")
    parser.add_argument("--k", default="20")
    parser.add_argument("--compare", help="the name of a second model to show side by side")
    parser.add_argument("--analogy", default="", help="a,b,c to solve")
    parser.add_argument("--dims", default="2", choices=["2", "3"])
    parser.add_argument("--size", default="1400x900")
    args = parser.parse_args()

    server = subprocess.Popen([args.cli, "serve", *args.models, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://[0-9.]+:\d+/", server.stdout.readline()).group(0)
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        width, height = args.size.split("x")
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     "--force-device-scale-factor=1"]:
            options.add_argument(flag)
        browser = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            browser.get(url)
            WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "map").get_attribute("data-points"))
            if args.dims == "3":
                browser.find_element(By.ID, "dims-3").click()
            if args.compare:
                Select(browser.find_element(By.ID, "model-b")).select_by_value(args.compare)
            k = browser.find_element(By.ID, "k")
            k.clear()
            k.send_keys(args.k)
            browser.find_element(By.ID, "search").send_keys(args.word)
            browser.find_element(By.ID, "search-go").click()
            if args.analogy:
                for field, value in zip(["analogy-a", "analogy-b", "analogy-c"], args.analogy.split(",")):
                    browser.find_element(By.ID, field).send_keys(value)
                browser.find_element(By.ID, "analogy-go").click()
            WebDriverWait(browser, 20).until(
                lambda d: d.find_element(By.ID, "map").get_attribute("data-points") == str(int(args.k) + 1))
            time.sleep(1)  # the last lists
            browser.execute_script("window.scrollTo(0, 0)")
            browser.save_screenshot(args.output)
        finally:
            browser.quit()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
