"""The explorer page in a real browser (headless Chromium through Selenium).

`embedkit serve` runs on a free port with two small vector tables whose answers are known (a
royal family, capitals, fruits: made here) and a classifier trained here; the test searches a word,
sees its neighbours and the map's points (2-D, then 3-D), runs an analogy, compares the two models,
asks for a prediction, and checks that a phone-sized window needs no sideways scrolling. It saves
a screenshot (EMBEDKIT_SCREENSHOT, or explorer.png in the working directory).

Run by CTest (browser.explorer); by hand:
  EMBEDKIT_CLI=build/release/tools/embedkit/embedkit /usr/bin/python3 -m pytest -q tests/browser
"""
import json
import os
import re
import shutil
import subprocess
import urllib.request

import numpy as np
import pytest

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # failed below, with what to install: a browser test that skips proves nothing
    webdriver = None

CLI = os.environ.get("EMBEDKIT_CLI", "embedkit")
GROUPS = {
    "royal": ["king", "queen", "man", "woman", "prince", "princess", "boy", "girl"],
    "capital": ["paris", "france", "berlin", "germany", "rome", "italy", "madrid", "spain"],
    "fruit": ["apple", "pear", "plum", "apricot", "cherry", "peach", "melon", "grape"],
}


def write_vectors(path, seed, swap=()):
    """Words of each group near their group's centre; in the royal group, 'female' and 'royal'
    (and 'young') are directions, so man : king :: woman : queen holds. `swap` exchanges two words' rows."""
    rng = np.random.default_rng(seed)
    dim = 24
    centres = {g: rng.normal(0, 3, dim) for g in GROUPS}
    female, royal, young = rng.normal(0, 1, dim), rng.normal(0, 1, dim), rng.normal(0, 1, dim)
    rows = {}
    for group, words in GROUPS.items():
        for i, word in enumerate(words):
            rows[word] = centres[group] + rng.normal(0, 0.35, dim)
    for word, f, r, y in [("man", 0, 0, 0), ("woman", 1, 0, 0), ("king", 0, 1, 0), ("queen", 1, 1, 0),
                          ("boy", 0, 0, 1), ("girl", 1, 0, 1), ("prince", 0, 1, 1), ("princess", 1, 1, 1)]:
        rows[word] = centres["royal"] + 1.5 * (f * female + r * royal + y * young) + rng.normal(0, 0.05, dim)
    for a, b in swap:
        rows[a], rows[b] = rows[b], rows[a]
    with open(path, "w") as f:
        f.write(f"{len(rows)} {dim}\n")
        for word, v in rows.items():
            f.write(word + " " + " ".join(f"{x:.5f}" for x in v) + "\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("explorer")
    write_vectors(tmp / "before.txt", 1)
    write_vectors(tmp / "after.txt", 1, swap=[("paris", "apple")])
    (tmp / "train.txt").write_text("".join(
        f"__label__{label} {text}\n" for label, text in
        [("pos", "a great good film"), ("neg", "a bad awful film"), ("pos", "good fun"), ("neg", "awful mess")] * 5))
    subprocess.run([CLI, "classify", "train", "-i", str(tmp / "train.txt"), "-o", str(tmp / "sentiment.ekv"),
                    "--dim", "8", "--epochs", "30", "--threads", "1", "-q"], check=True)
    process = subprocess.Popen([CLI, "serve", f"before={tmp / 'before.txt'}", f"after={tmp / 'after.txt'}",
                                f"sentiment={tmp / 'sentiment.ekv'}", "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, f"no address in the server's first line: {line!r}"
    yield f"http://127.0.0.1:{match.group(1)}"
    process.terminate()
    assert process.wait(timeout=10) == 0, "the server did not stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if webdriver is None or not chromium or not driver_path:
        pytest.fail("the browser test needs Debian's chromium, chromium-driver and python3-selenium "
                    "(scripts/install-deps.sh test installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,900", "--force-device-scale-factor=1"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def api(server, path):
    with urllib.request.urlopen(server + path, timeout=10) as response:
        return json.load(response)


def texts(browser, selector):
    """The text of each element `selector` finds, read in one step (lists are replaced as answers arrive)."""
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", selector)


def wait(browser, condition, what):
    try:
        WebDriverWait(browser, 10).until(lambda d: condition())
    except Exception:
        shot = os.environ.get("EMBEDKIT_SCREENSHOT", "explorer.png").replace(".png", "-failed.png")
        browser.save_screenshot(shot)
        status = browser.find_element(By.ID, "status").text
        pytest.fail(f"timed out waiting for {what} (page status: {status!r}; screenshot: {shot})")


def test_search_map_analogy_compare_and_predict(server, browser):
    browser.get(server + "/")
    wait(browser, lambda: len(Select(browser.find_element(By.ID, "model")).options) == 2, "the model list")
    # The first map shows the most frequent words (all 24 here).
    wait(browser, lambda: browser.find_element(By.ID, "map").get_attribute("data-points") == "24", "the top-words map")
    assert browser.execute_script("return [...document.scripts].every(s => s.src.startsWith(location.origin))")

    # Search a word: its neighbours as the API gives them, and a map of it and its neighbours.
    browser.find_element(By.ID, "k").clear()
    browser.find_element(By.ID, "k").send_keys("7")
    search = browser.find_element(By.ID, "search")
    search.send_keys("paris")
    wait(browser, lambda: browser.execute_script(
        "return [...document.querySelectorAll('#completions option')].map(o => o.value).includes('paris')"),
        "the completion of 'pa'")
    browser.find_element(By.ID, "search-go").click()
    expected = [n["word"] for n in api(server, "/api/models/before/neighbors?word=paris&k=7")["neighbors"]]
    wait(browser, lambda: texts(browser, "#neighbors li .word") == expected, "the neighbours")
    assert set(expected) == set(GROUPS["capital"]) - {"paris"}
    canvas = browser.find_element(By.ID, "map")
    wait(browser, lambda: canvas.get_attribute("data-points") == "8", "a map of paris and its 7 neighbours")
    browser.find_element(By.ID, "dims-3").click()
    wait(browser, lambda: "3-D" in browser.find_element(By.ID, "map-info").text, "the 3-D map")
    assert canvas.get_attribute("data-points") == "8"
    browser.find_element(By.ID, "dims-2").click()
    wait(browser, lambda: "2-D" in browser.find_element(By.ID, "map-info").text, "the 2-D map again")

    # Hover shows a word; a click on a point centres the page on that word.
    point = browser.execute_script(
        "const r = document.getElementById('map').getBoundingClientRect();"
        "const p = map.screen.find(p => !p.point.centre); return [p.x, p.y, p.point.word, r.left, r.top];")
    x, y, word, _, _ = point
    actions = webdriver.ActionChains(browser)
    actions.move_to_element_with_offset(canvas, 0, 0).perform()  # the centre of the canvas
    size = canvas.size
    actions.move_to_element_with_offset(canvas, x - size["width"] / 2, y - size["height"] / 2).perform()
    wait(browser, lambda: browser.find_element(By.ID, "tooltip").text.startswith(word), "the tooltip")
    actions.click().perform()
    wait(browser, lambda: browser.find_element(By.ID, "search").get_attribute("value") == word, "the click to re-centre")

    # An analogy.
    for field, value in [("analogy-a", "man"), ("analogy-b", "king"), ("analogy-c", "woman")]:
        browser.find_element(By.ID, field).send_keys(value)
    browser.find_element(By.ID, "analogy-go").click()
    wait(browser, lambda: texts(browser, "#analogy-results li")[:1] != [], "the analogy's answers")
    assert texts(browser, "#analogy-results li .word")[0] == "queen"

    # Two models side by side: paris swapped places with apple in "after".
    Select(browser.find_element(By.ID, "model-b")).select_by_value("after")
    search.clear()
    search.send_keys("paris")
    browser.find_element(By.ID, "search-go").click()
    after = [n["word"] for n in api(server, "/api/models/after/neighbors?word=paris&k=7")["neighbors"]]
    assert set(after) <= set(GROUPS["fruit"])
    wait(browser, lambda: texts(browser, "#compare-b li .word") == after, "the second model's neighbours")
    assert texts(browser, "#compare-a li .word") == expected
    browser.find_element(By.ID, "moved-go").click()
    wait(browser, lambda: len(texts(browser, "#moved li")) > 2, "the words that moved most")
    assert set(texts(browser, "#moved li .word")[:2]) == {"paris", "apple"}

    # A prediction.
    browser.find_element(By.ID, "classify-text").send_keys("a good fun film")
    browser.find_element(By.ID, "classify-go").click()
    wait(browser, lambda: texts(browser, "#predictions li")[:1] != [], "the prediction")
    assert texts(browser, "#predictions li")[0].startswith("pos")
    assert browser.find_element(By.ID, "status").text == ""

    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        "the page is wider than the window"
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(os.environ.get("EMBEDKIT_SCREENSHOT", "explorer.png"))

    # An unknown word is an error on the page, not a broken page.
    search.clear()
    search.send_keys("zebra")
    browser.find_element(By.ID, "search-go").click()
    wait(browser, lambda: "not in the vocabulary" in browser.find_element(By.ID, "status").text, "the error")


def test_a_phone_sized_window_needs_no_sideways_scrolling(server, browser):
    browser.set_window_size(390, 844)
    try:
        browser.get(server + "/?word=apple")
        wait(browser, lambda: browser.find_element(By.ID, "map").get_attribute("data-points") == "16",
             "the map of apple on a phone")
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert browser.find_element(By.ID, "map").size["width"] >= 300
    finally:
        browser.set_window_size(1400, 900)
