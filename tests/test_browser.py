"""The web page in a real browser: headless Chromium (Debian's, with its chromedriver) drives
the page served by `serve()` on 127.0.0.1 over the real seed index."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_server import MINISTER, running_server

pytestmark = pytest.mark.model

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def base(seed_index_dir: Path) -> Iterator[str]:
    with running_server(seed_index_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not download a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def ask(browser: Any, base: str, question: str) -> WebElement:
    browser.get_log("browser")  # start each test with an empty console log
    browser.get(base + "/")
    box = browser.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    browser.find_element(By.ID, "ask-button").click()
    wait = WebDriverWait(browser, 60)
    wait.until(ec.visibility_of_element_located((By.ID, "result")))
    answer: WebElement = wait.until(lambda d: d.find_element(By.ID, "answer")
                                    if d.find_element(By.ID, "answer").text else False)
    return answer


def console_errors(browser: Any) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_an_answer_links_each_citation_to_its_highlighted_sentence(
        browser: Any, base: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    expected = httpx.post(f"{base}/ask", json={"question": MINISTER}).json()
    answer = ask(browser, base, MINISTER)
    assert answer.text == expected["text"] and "Nakatani" in answer.text
    assert not browser.find_element(By.ID, "abstained").is_displayed()
    assert browser.find_element(By.ID, "confidence").text.startswith(
        f"Confidence {expected['confidence']:.2f}: ")
    items = browser.find_elements(By.CSS_SELECTOR, "#citations li")
    assert len(items) == len(expected["citations"]) >= 1
    assert browser.find_element(By.ID, "citations-title").text == "Sources"

    markers = answer.find_elements(By.CSS_SELECTOR, "a.marker")
    assert [m.text for m in markers] == re.findall(r"\[\d+\]", expected["text"])
    markers[0].click()
    cited = next(c for c in expected["citations"] if f"[{c['number']}]" == markers[0].text)
    mark = WebDriverWait(browser, 30).until(ec.visibility_of_element_located((By.ID, "highlight")))
    text = httpx.get(f"{base}/documents/{cited['source']}").text
    assert mark.text.split() == text[cited["start"]:cited["end"]].split()  # rendered whitespace
    assert mark.tag_name == "mark"
    assert browser.find_element(By.ID, "viewer-title").text == f"[{cited['number']}] {cited['source']}"
    lines = f"line {cited['line_start']}" if cited["line_start"] == cited["line_end"] else \
        f"lines {cited['line_start']}\u2013{cited['line_end']}"
    assert lines in browser.find_element(By.ID, "viewer-where").text
    # The highlighted sentence is scrolled into the viewer's visible area.
    visible = browser.execute_script(
        "const m = document.getElementById('highlight').getBoundingClientRect();"
        "const d = document.getElementById('document').getBoundingClientRect();"
        "return m.top < d.bottom && m.bottom > d.top && m.top >= 0 && m.top < innerHeight;")
    assert visible
    assert "active" in items[0].get_attribute("class")

    shot = tmp_path_factory.mktemp("screenshots") / "citation.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
    assert console_errors(browser) == []


def test_an_abstention_shows_the_closest_passages(browser: Any, base: str,
                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    question = "What is the boiling point of mercury?"
    expected = httpx.post(f"{base}/ask", json={"question": question}).json()
    assert expected["abstained"], "this question is meant to have no answer in the seed article"
    answer = ask(browser, base, question)
    assert answer.text == expected["text"]
    assert browser.find_element(By.ID, "abstained").is_displayed()
    assert not browser.find_element(By.ID, "confidence").is_displayed()
    assert browser.find_element(By.ID, "citations-title").text == "Closest passages"
    items = browser.find_elements(By.CSS_SELECTOR, "#citations li")
    assert len(items) == len(expected["citations"]) >= 1
    items[0].find_element(By.CSS_SELECTOR, "a.cite-link").click()
    WebDriverWait(browser, 30).until(ec.visibility_of_element_located((By.ID, "highlight")))
    shot = tmp_path_factory.mktemp("screenshots") / "abstention.png"
    assert browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    assert console_errors(browser) == []


def test_a_refused_question_shows_the_servers_message(browser: Any, base: str) -> None:
    browser.get(base + "/")
    browser.execute_script("document.getElementById('question').removeAttribute('maxlength')")
    browser.find_element(By.ID, "question").send_keys("why " * 600)
    browser.find_element(By.ID, "ask-button").click()
    error = WebDriverWait(browser, 30).until(ec.visibility_of_element_located((By.ID, "error")))
    assert "limit is 2000" in error.text
    assert not browser.find_element(By.ID, "result").is_displayed()


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over a Markdown guide with sections and a two-page PDF."""
    from fpdf import FPDF

    import citeqa

    root = tmp_path_factory.mktemp("paged")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "guide.md").write_text(
        "# Install\n\nRead this first.\n\n## Linux\n\nOn Linux, install the package with "
        "apt-get install citeqa-tools and then run the setup wizard.\n\n## Windows\n\n"
        "On Windows, download the [installer](https://example.org/citeqa-setup.exe) and "
        "double-click it.\n", encoding="utf-8")
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Harbour report. The harbour opened in 1890 and handles grain.")
    pdf.add_page()
    pdf.multi_cell(0, 8, "The Tilbury harbour master is Wilhelmina Okonkwo-Baptiste. "
                         "She has run the harbour since 2011.")
    pdf.output(str(corpus / "harbour.pdf"))
    citeqa.Index.build(corpus, root / "index")
    with running_server(root / "index") as url:
        yield url


@pytest.mark.parametrize("question, source, where", [
    ("Who is the Tilbury harbour master?", "harbour.pdf", "page 2"),
    ("How do I install on Linux?", "guide.md", "Install > Linux"),
])
def test_page_and_section_are_shown_and_the_passage_around_the_sentence(
        browser: Any, paged: str, question: str, source: str, where: str,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    expected = httpx.post(f"{paged}/ask", json={"question": question}).json()
    first = expected["citations"][0]
    assert first["source"] == source
    place = f"page {first['page']}" if first["page"] is not None else first["section"]
    assert place == where
    ask(browser, paged, question)
    item = browser.find_element(By.CSS_SELECTOR, "#citations li")
    assert where in item.find_element(By.CLASS_NAME, "where").text
    item.find_element(By.CSS_SELECTOR, "a.cite-link").click()
    mark = WebDriverWait(browser, 30).until(ec.visibility_of_element_located((By.ID, "highlight")))
    assert where in browser.find_element(By.ID, "viewer-where").text
    text = httpx.get(f"{paged}/documents/{source}").text
    assert mark.text.split() == first["quote"].split() == text[first["start"]:first["end"]].split()
    passage = browser.find_element(By.CSS_SELECTOR, "#document .passage")
    assert passage.text.split() == text[first["passage_start"]:first["passage_end"]].split()
    shot = tmp_path_factory.mktemp("screenshots") / f"{source}.png"
    assert browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    assert console_errors(browser) == []


def test_a_web_address_in_an_answer_is_a_link_that_opens_apart(browser: Any, paged: str) -> None:
    question = "How do I install on Windows?"
    expected = httpx.post(f"{paged}/ask", json={"question": question}).json()
    assert "installer (https://example.org/citeqa-setup.exe)" in expected["text"]
    answer = ask(browser, paged, question)
    assert answer.text == expected["text"]
    link = answer.find_element(By.CSS_SELECTOR, "a.web")
    assert link.text == link.get_attribute("href") == "https://example.org/citeqa-setup.exe"
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert console_errors(browser) == []
