"""What a person sees, in a real browser: headless Chromium (Debian's package, driven through its ChromeDriver by
selenium) against a real ``airflow api-server`` served under a ``base_url`` sub-path, over an Airflow metadata DB and
a ledger that hold a real partial run of the reference DAG (``dag.test()`` with the demo scenario's bank-account
mismatch) and a real failed one (Procountor down for longer than every retry).

It logs in through Airflow's login form (reached by opening the report page logged out), reads the partial marker
(the run's note) in Airflow's own grid and run page, the report page's root cause, "did not run" list and counts
table, and follows the report page's link to the run in Airflow. Screenshots go to ``var/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from sandboxes import dag_runner
from sandboxes.airflow_api_server import airflow_api_server, simple_auth_password
from sandboxes.demo import program as demo
from sandboxes.runner import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DAG_ID = "procountor_reference_sync"
DAG_FILE = ROOT / "dags" / demo.DAG_FILE
SCREENSHOTS = ROOT / "var" / "screenshots"
SUB_PATH = "/airflow"  # [api] base_url's path: every link must keep it
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)
pytestmark = pytest.mark.slow


def _browser_or_skip() -> tuple[str, str]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromedriver must be installed under CI (scripts/install-browser.sh)")
        pytest.skip("Debian's chromium and chromium-driver are not installed: run scripts/install-browser.sh")
    return chromium, driver


@pytest.fixture
def airflow_with_runs(tmp_path, sandboxes_with_bank_defect) -> Iterator[dict[str, Any]]:
    """A partial run and a failed run of the reference DAG in one AIRFLOW_HOME, then an api-server over it."""
    sb = sandboxes_with_bank_defect
    home = tmp_path / "airflow"
    home.mkdir()
    port = free_port()
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    base_url = f"http://127.0.0.1:{port}{SUB_PATH}/"
    extra = {
        **demo.connection_env(sb.procountor.base_url, sb.taimer.base_url, ledger_url),
        "TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS": "1",
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env = dag_runner.airflow_env(home, DAG_FILE.parent, extra)
    log_path = tmp_path / "airflow.log"
    partial = dag_runner.run_dag_in_subprocess(env, dag_file=DAG_FILE, log_path=log_path)
    assert partial["state"] == "success" and partial["xcom"]["report"]["outcome"] == "partial", partial
    # Procountor's company endpoint down for longer than the client's and Airflow's retries: a failed run
    sb.procountor_fault({"kind": "error_before_commit", "method": "GET", "path": "^/api/company", "count": 1000})
    failed = dag_runner.run_dag_in_subprocess(env, dag_file=DAG_FILE, log_path=log_path)
    assert failed["state"] == "failed", failed
    with airflow_api_server(
        env, airflow=BIN / "airflow", port=port, log_path=tmp_path / "api-server.log", base_url=base_url
    ):
        yield {
            "base": base_url.rstrip("/"),
            "password": simple_auth_password(home),
            "partial": partial,
            "failed": failed,
        }


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:
    chromium, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    options.add_argument("--lang=en-US")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait_for_text(driver: Any, text: str, timeout: float = 60) -> str:
    """The page's visible text once ``text`` is in it (Airflow's UI renders after load)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)
    except TimeoutException:
        _shot(driver, "failed-waiting")
        raise AssertionError(f"{text!r} never appeared on {driver.current_url}") from None
    return driver.find_element(By.TAG_NAME, "body").text


def _shot(driver: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def _log_in(driver: Any, password: str) -> None:
    """Fill in Airflow's login form (the simple auth manager's page) and submit it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 60)
    user = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "input[name='username']")))
    user.send_keys("admin")
    driver.find_element(By.CSS_SELECTOR, "input[name='password']").send_keys(password)
    _shot(driver, "01-airflow-login")
    driver.find_element(By.CSS_SELECTOR, "button[type='submit']").click()


def test_a_person_sees_the_partial_run_its_root_cause_and_counts_in_a_real_browser(airflow_with_runs, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base = airflow_with_runs["base"]
    partial_run = airflow_with_runs["partial"]["run_id"]
    failed_run = airflow_with_runs["failed"]["run_id"]
    report = f"{base}/taimer-procountor/"

    # logged out, the report page sends the browser to Airflow's login form; after it, back to the report
    browser.get(report)
    WebDriverWait(browser, 60).until(lambda d: "/auth/login" in d.current_url)
    assert browser.current_url.startswith(f"{base}/auth/login")
    _log_in(browser, airflow_with_runs["password"])
    WebDriverWait(browser, 60).until(lambda d: "/auth/" not in d.current_url)
    browser.get(report)
    text = _wait_for_text(browser, "Latest run of each flow")
    _shot(browser, "02-report-page")

    # the newest run (the failed one) names its root cause first, and the steps after it did not run
    latest = browser.find_element(By.ID, "latest").text
    assert "Root cause: task fetch_snapshot failed on attempt 3: PROCOUNTOR_SERVER_ERROR" in latest, latest
    assert "Did not run (upstream failed): check_bank_accounts, push_reference[accounts]" in latest
    assert "Nothing to do" not in latest and "outlasted every retry" in latest
    assert "REFERENCE_STEP_FAILED" not in text
    # the partial run: its headline, its counts table (kinds x columns), its error, in the run history
    history = browser.find_element(By.ID, "runs")
    row = history.find_element(By.ID, f"run-{DAG_ID}-{partial_run}")
    headline = row.find_element(By.CSS_SELECTOR, "td.headline-cell").text
    assert headline.startswith("reference_sync: PARTIAL;") and "REFERENCE_BANK_ACCOUNT_MISMATCH" in headline
    row = row.find_element(By.XPATH, "following-sibling::tr[1]")  # its counts, errors and retries, folded
    row.find_element(By.TAG_NAME, "summary").click()
    table = row.find_element(By.CSS_SELECTOR, "table.counts")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers[:5] == ["Kind", "read", "created", "updated", "unchanged"], headers
    kinds = [th.text for th in table.find_elements(By.CSS_SELECTOR, "tbody th")]
    assert "Procountor ledger_accounts" in kinds and "Taimer person_ids" in kinds
    accounts = table.find_element(By.XPATH, ".//tr[th='Taimer accounts']")
    created = accounts.find_elements(By.TAG_NAME, "td")[headers.index("created") - 1].text
    assert int(created) > 0  # the first run created Taimer's accounts
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in row.text and "Notices" in row.text
    browser.execute_script("arguments[0].scrollIntoView()", row)
    _shot(browser, "03-report-partial-run-counts")

    # Finnish is one click away, and kept
    browser.find_element(By.LINK_TEXT, "Suomeksi").click()
    _wait_for_text(browser, "Kunkin vuon viimeisin ajo")
    browser.get(report)
    assert "Juurisyy" in _wait_for_text(browser, "Kunkin vuon viimeisin ajo")
    browser.find_element(By.LINK_TEXT, "In English").click()
    _wait_for_text(browser, "Latest run of each flow")

    # the report page's link opens the run in Airflow's own UI, under the sub-path; its note names the cause
    link = browser.find_element(By.ID, "latest").find_element(By.CSS_SELECTOR, "a.airflow-run")
    assert link.get_attribute("href").startswith(f"{base}/dags/{DAG_ID}/runs/")
    link.click()
    _wait_for_text(browser, "reference_sync: FAILED; failed: fetch_snapshot (PROCOUNTOR_SERVER_ERROR)")
    assert unquote(browser.current_url) == f"{base}/dags/{DAG_ID}/runs/{failed_run}"
    _shot(browser, "04-airflow-failed-run-note")
    # the whole note (Airflow's run page shows its first line until it is opened), as Airflow's API serves it
    token = requests.post(
        f"{base}/auth/token", json={"username": "admin", "password": airflow_with_runs["password"]}, timeout=30
    ).json()["access_token"]
    note = requests.get(
        f"{base}/api/v2/dags/{DAG_ID}/dagRuns/{failed_run}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()["note"]
    assert "- Root cause: task `fetch_snapshot` failed after 3 attempts: `PROCOUNTOR_SERVER_ERROR`" in note
    assert "- Did not run (upstream failed): `check_bank_accounts`, `push_reference[accounts]`" in note

    # the partial marker in Airflow's own views: the partial run's note on its page and in the DAG's grid
    browser.get(f"{base}/dags/{DAG_ID}/runs/{partial_run}")
    run_page = _wait_for_text(browser, "reference_sync: PARTIAL")
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in run_page
    _shot(browser, "05-airflow-partial-run-note")
    # the note links back to the report page, under the sub-path, and the link works
    note_link = browser.find_element(By.PARTIAL_LINK_TEXT, "Taimer ⇄ Procountor report")
    href = note_link.get_attribute("href")
    assert href.startswith(f"{base}/taimer-procountor/"), href
    browser.get(f"{base}/dags/{DAG_ID}")
    _wait_for_text(browser, DAG_ID)
    _shot(browser, "06-airflow-dag-grid")
    browser.get(href)
    assert "Latest run of each flow" in _wait_for_text(browser, "Latest run of each flow")
