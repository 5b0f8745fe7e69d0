"""Drives TaskPulse's web pages in headless Chromium with JavaScript off (see scripts/browser-check).

Starts the given taskpulse binary in dev mode on a free port with a throwaway database, then walks
through what a new person does and asserts what each page shows. Screenshots land in --out.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"taskpulse exited early with status {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("taskpulse did not become healthy")


def simulator_texts(base: str, phone: str) -> list:
    url = f"{base}/simulator/api/conversation?phone={urllib.parse.quote(phone)}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["items"]


def simulator_send(base: str, phone: str, body: str) -> str:
    request = urllib.request.Request(
        base + "/simulator/api/send", data=json.dumps({"from": phone, "body": body}).encode(),
        headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["reply"]


def linking_code(base: str, phone: str, seconds: float = 15) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        for item in reversed(simulator_texts(base, phone)):
            match = re.search(r"code: (\d{6})", item["text"])
            if match:
                return match.group(1)
        time.sleep(0.3)
    raise SystemExit(f"no linking code reached {phone}")


def step(name: str) -> None:
    print(f"browser-check: {name}", flush=True)


def run(base: str, chromium: str, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    phone = "+15555550142"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 844}, device_scale_factor=2,
            is_mobile=True, has_touch=True)
        page = context.new_page()

        step("a new visitor is sent to sign in")
        page.goto(base + "/")
        assert "/signin" in page.url, page.url
        page.get_by_role("link", name="Create an account").click()

        step("sign up")
        page.get_by_label("Email").fill("ann@example.com")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_label("Time zone").select_option("Europe/Paris")
        page.screenshot(path=f"{out}/01-signup.png", full_page=True)
        page.get_by_role("button", name="Create account").click()
        expect(page.locator(".notice")).to_contain_text("Welcome")
        cookie = next(c for c in context.cookies() if c["name"] == "tp_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie

        step("quick-add in the SMS language")
        for text in ["call mom tomorrow 9am", "every weekday 7am stretch", "pay rent on the 1st 9am !high",
                     "renew passport next friday"]:
            page.get_by_label("New task").fill(text)
            page.get_by_role("button", name="Add", exact=True).click()
            expect(page.locator(".notice")).to_contain_text("Added #")
        expect(page.locator("li.task")).to_have_count(4)
        expect(page.locator("li.task", has_text="stretch")).to_contain_text("repeats every weekday")
        page.screenshot(path=f"{out}/02-tasks.png", full_page=True)

        step("a malformed add is explained and keeps the text")
        page.get_by_label("New task").fill("dentist feb 30 3pm")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator(".error")).to_be_visible()
        expect(page.get_by_label("New task")).to_have_value("dentist feb 30 3pm")

        step("complete one")
        page.goto(base + "/tasks")
        page.locator("li.task", has_text="call mom").get_by_role("button").click()
        expect(page.locator(".notice")).to_contain_text("Done: call mom")
        expect(page.locator("li.task", has_text="call mom")).to_have_count(0)

        step("filter: done tasks, then a search")
        page.get_by_label("Status").select_option("done")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("li.task.closed", has_text="call mom")).to_have_count(1)
        page.get_by_label("Status").select_option("all")
        page.get_by_label("Search").fill("pass port")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("li.task")).to_have_count(0)
        page.get_by_label("Search").fill("passport")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("li.task")).to_have_count(1)

        step("edit a task")
        page.locator("li.task", has_text="passport").get_by_role("link").click()
        page.get_by_label("Title").fill("renew passport at city hall")
        page.get_by_label("Priority").select_option("1")
        page.screenshot(path=f"{out}/03-edit.png", full_page=True)
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".notice")).to_contain_text("Saved")
        expect(page.locator("li.task", has_text="city hall")).to_contain_text("high")

        step("settings")
        page.get_by_role("link", name="Settings").click()
        page.locator("input[name=quiet_start]").fill("22:30")
        page.locator("input[name=motivation_enabled]").check()
        page.locator("select[name=channel_weekly]").select_option("both")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".notice")).to_have_text("Settings saved.")
        expect(page.locator("input[name=quiet_start]")).to_have_value("22:30")
        expect(page.locator("input[name=motivation_enabled]")).to_be_checked()

        step("link a phone with the texted code")
        page.get_by_label("Phone number").fill(phone)
        page.get_by_role("button", name="Text me a code").click()
        expect(page.locator(".notice")).to_contain_text("We texted a 6-digit code")
        page.get_by_label("Code").fill(linking_code(base, phone))
        page.get_by_role("button", name="Link phone").click()
        expect(page.locator(".notice")).to_contain_text("Linked +15555550142")
        page.screenshot(path=f"{out}/04-settings.png", full_page=True)

        step("a text from that phone lands in the same list")
        reply = simulator_send(base, phone, "add buy milk tomorrow 8am")
        assert "buy milk" in reply, reply
        page.goto(base + "/tasks")
        expect(page.locator("li.task", has_text="buy milk")).to_have_count(1)
        page.screenshot(path=f"{out}/05-tasks-after-text.png", full_page=True)

        step("the messages log")
        page.get_by_role("link", name="Messages").click()
        expect(page.locator(".log li").first).to_be_visible()
        expect(page.locator(".log")).to_contain_text("Phone code")
        page.screenshot(path=f"{out}/06-messages.png", full_page=True)

        step("sign out ends the session")
        page.get_by_role("button", name="Sign out").click()
        page.goto(base + "/tasks")
        assert "/signin" in page.url, page.url

        step("the list on a desktop screen")
        desktop = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 800})
        wide = desktop.new_page()
        wide.goto(base + "/signin")
        wide.get_by_label("Email").fill("ann@example.com")
        wide.get_by_label("Password").fill("correct horse battery")
        wide.get_by_role("button", name="Sign in").click()
        expect(wide.locator("li.task").first).to_be_visible()
        wide.screenshot(path=f"{out}/07-tasks-desktop.png", full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", required=True)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        environment = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("TWILIO_", "SMTP_", "TASKPULSE_"))
        }
        environment.update({
            "TASKPULSE_DATABASE_URL": os.path.join(folder, "browser.sqlite"), "TASKPULSE_HOST": "127.0.0.1",
            "TASKPULSE_PORT": str(port), "TASKPULSE_LOG_LEVEL": "warning",
        })
        log = open(os.path.join(folder, "server.log"), "w")
        process = subprocess.Popen([args.binary, "serve"], env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(base, process)
            run(base, args.chromium, os.path.abspath(args.out))
        except BaseException:
            log.flush()
            sys.stderr.write(open(log.name).read()[-4000:])
            raise
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"browser-check: all steps passed; screenshots in {args.out}")


if __name__ == "__main__":
    import urllib.parse  # noqa: F401  (used by simulator_texts)
    main()
