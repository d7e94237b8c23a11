"""Browser flows of first-come lines: entering, waiting, results, the admission pass, a
scheduled and a sold-out event, a proof-of-work and a paused line."""
import re
import time

import jwt
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import check, shoot, shoot_sizes, steady_text


def run_flow(server, driver, event, user, label, expect):
    """Enters `event` as `user` through the page and follows it to the result."""
    texts = expect["texts"]
    driver.get(server.base + "/e/" + event)
    html = driver.find_element(By.TAG_NAME, "html")
    check(html.get_attribute("lang") == expect["lang"], f"{label}: page language is {html.get_attribute('lang')}")
    check(texts["join"] in driver.page_source, f"{label}: the entry form heading is missing")
    shoot(driver, label + "-1-form")
    field = driver.find_element(By.ID, "user")
    check(driver.find_element(By.CSS_SELECTOR, "label[for=user]").text == texts["label"], f"{label}: the field has no label")
    field.send_keys(user)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: "t=" in d.current_url)
    number = driver.find_element(By.ID, "number").text.replace("\xa0", " ")
    check(number == texts["number"].format(seq=expect["seq"]), f"{label}: number shown is {number!r}")
    ahead = driver.find_element(By.ID, "ahead").text
    check(texts["left"] in ahead and re.search(r"\d", ahead) is not None, f"{label}: no prizes left and people ahead: {ahead!r}")
    # More people ahead than prizes: told plainly, and the bar counts the prizes given, like the header.
    gone = expect["seq"] - 1 >= expect["prizes"]
    outlook = driver.find_element(By.ID, "outlook")
    check(outlook.is_displayed() == gone, f"{label}: the 'prizes will probably be gone' line shown is {outlook.is_displayed()}")
    maximum = driver.find_element(By.ID, "progress").get_attribute("max")
    check(maximum == str(expect["prizes"] if gone else expect["seq"]), f"{label}: progress bar max {maximum}")
    check(driver.find_element(By.ID, "live").get_attribute("aria-live") == "polite", f"{label}: no live region")
    shoot_sizes(driver, label + "-2-waiting")
    print(f"browser test: {label}: entered, shown {number!r} / {ahead!r}", flush=True)
    WebDriverWait(driver, 60, poll_frequency=0.25).until(lambda d: d.find_elements(By.ID, "result"))
    result = driver.find_element(By.ID, "result").text
    check(result == texts[expect["result"]], f"{label}: result shown is {result!r}")
    number = driver.find_element(By.ID, "number")
    check(number.text.replace("\xa0", " ") == texts["number_decided"].format(seq=expect["seq"]), f"{label}: after the result: {number.text!r}")
    check(driver.find_element(By.ID, "result").location["y"] < number.location["y"], f"{label}: the place comes before the outcome")
    if expect["result"] == "won":
        check(driver.find_element(By.ID, "next").is_displayed(), f"{label}: no 'what next' for the winner")
        check(not driver.find_element(By.ID, "admission").is_displayed(), f"{label}: the pass is not folded away")
    shoot_sizes(driver, label + "-3-" + expect["result"])
    title = driver.title
    check(title.startswith(texts["title_" + expect["result"]]), f"{label}: tab title is {title!r}")
    if expect["result"] == "lost":
        check(driver.find_elements(By.LINK_TEXT, texts["back"]), f"{label}: no way back from the result")
    print(f"browser test: {label}: final result {result!r}, title {title!r}", flush=True)
    return driver


def verify_admission(server, driver, event, user, javascript):
    token = driver.find_element(By.ID, "admission").get_attribute("value").strip()
    if javascript:
        expires = driver.find_element(By.ID, "admission-expires").text
        check("UTC" not in expires, f"the pass's validity is not in local time: {expires!r}")
    link = driver.find_element(By.CSS_SELECTOR, "a.button").get_attribute("href")
    check(link.endswith(token), "the continue link does not carry the admission token")
    keys = jwt.PyJWKClient(server.base + "/.well-known/jwks.json")
    claims = jwt.decode(token, keys.get_signing_key_from_jwt(token).key, algorithms=["ES256"], audience=event, issuer="firstcome")
    check(claims["sub"] == user, f"admission token subject is {claims['sub']!r}")
    print(f"browser test: admission token verified with PyJWT against the JWKS (sub={claims['sub']}, seq={claims['seq']})")


ENGLISH = {"join": "Join the line", "label": "Your name or e-mail", "number": "You are number {seq}",
           "number_decided": "Your number: {seq}", "left": "prizes left",
           "won": "You won!", "lost": "Sorry, every prize went to someone ahead of you.",
           "title_won": "You won", "title_lost": "Not this time", "back": "Back to the giveaway"}
KOREAN = {"join": "줄 서기", "label": "이름 또는 이메일", "number": "대기 번호 {seq}번",
          "number_decided": "응모 번호 {seq}번", "left": "남은 경품",
          "won": "당첨되었습니다!", "lost": "아쉽지만 모든 경품이 앞선 응모자에게 돌아갔습니다.",
          "title_won": "당첨", "title_lost": "미당첨", "back": "응모 페이지로 돌아가기"}


def other_states(server, driver, korean):
    """A scheduled event (local time, live countdown) and a sold-out one (the news first, then
    "see your result" for an entrant who lost their link)."""
    opens = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3 * 3600))
    server.api("POST", "/v1/events", {"id": "later", "name": "Opens later", "prizes": 3, "opens_at": opens}, admin=True)
    driver.get(server.base + "/e/later")
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "countdown").text.strip())
    countdown = driver.find_element(By.ID, "countdown").text
    notice = driver.find_element(By.ID, "notice").text
    check(countdown.startswith("Opens in") and "UTC" not in notice, f"scheduled: {notice!r} / {countdown!r}")
    check(not driver.find_elements(By.ID, "user"), "scheduled: the form is shown before the opening")
    shoot_sizes(driver, "en-js-scheduled")
    server.api("POST", "/v1/events", {"id": "gone", "name": "Gone", "prizes": 1}, admin=True)
    server.api("POST", "/v1/events/gone/entries", {"user": "first"})
    deadline = time.time() + 20
    while server.api("GET", "/v1/events/gone")["state"] != "sold_out" and time.time() < deadline:
        time.sleep(0.2)
    driver.get(server.base + "/e/gone")
    check(driver.find_element(By.ID, "sold-out").is_displayed(), "sold out: no 'all prizes are gone'")
    check(not driver.find_element(By.ID, "user").is_displayed(), "sold out: the form is not tucked away")
    check(driver.find_element(By.ID, "find-user").is_displayed(), "sold out: no 'see your result' form")
    shoot_sizes(driver, "en-js-sold-out")
    korean.get(server.base + "/e/gone")
    check("이미 응모하셨나요? 결과 보기" in korean.page_source, "sold out (ko): no 'see your result'")
    shoot_sizes(korean, "ko-js-sold-out")
    korean.find_element(By.ID, "find-user").send_keys("nobody")
    korean.find_element(By.CSS_SELECTOR, "form.find button[type=submit]").click()
    WebDriverWait(korean, 10).until(lambda d: d.find_elements(By.ID, "find-error"))
    shoot_sizes(korean, "ko-js-sold-out-not-found")
    driver.find_element(By.ID, "find-user").send_keys("first")
    driver.find_element(By.CSS_SELECTOR, "form.find button[type=submit]").click()
    WebDriverWait(driver, 10).until(lambda d: "t=" in d.current_url)
    result = driver.find_element(By.ID, "result").text
    check(result == "You won!", f"sold out: 'see your result' for the winner shows {result!r}")
    entries = server.api("GET", "/v1/events/gone")["entries"]
    check(entries == 1, f"sold out: looking up results recorded entries ({entries})")
    print(f"browser test: scheduled {notice!r} / {countdown!r}; sold out shown first; 'see your result' found "
          f"{result!r}, an unknown name added nothing", flush=True)


HASH_RATE_SCRIPT = """
const done = arguments[arguments.length - 1];
const encoder = new TextEncoder(), total = 65536, start = performance.now();
let nonce = 0;
(async function () {
  while (nonce < total) {
    const batch = [];
    for (let i = 0; i < 256; i++, nonce++) batch.push(crypto.subtle.digest("SHA-256", encoder.encode("challenge" + nonce)));
    await Promise.all(batch);
  }
  done(total / ((performance.now() - start) / 1000));
})();
"""


def proof_of_work(server, driver, nojs_driver):
    """An event that asks a proof-of-work: the page solves it by itself; without JavaScript it says why it cannot."""
    bits = 16
    server.api("POST", "/v1/events", {"id": "puzzle", "name": "Puzzle drop", "prizes": 5, "pow_bits": bits}, admin=True)
    driver.get(server.base + "/e/puzzle")
    check(not driver.find_element(By.ID, "pow-unsupported").is_displayed(), "proof-of-work: this browser is said to be unable")
    driver.find_element(By.ID, "user").send_keys("solver@example.com")
    started = time.time()
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 120, poll_frequency=0.1).until(lambda d: "t=" in d.current_url)
    elapsed = time.time() - started
    number = steady_text(driver, "number").replace("\xa0", " ")
    # Waiting, or already decided by the next tick.
    check(number in ("You are number 1", "Your number: 1"), f"proof-of-work: number shown is {number!r}")
    shoot(driver, "en-js-proof-of-work-entered")
    # The solver's page turns to the result by itself (live update, then a reload); the
    # next step navigates this browser away, so it must not race that reload.
    WebDriverWait(driver, 30, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_elements(By.ID, "result"))
    decided = time.time() - started
    result = driver.find_element(By.ID, "result").get_attribute("class")
    check(result == "won", f"proof-of-work: the solver's page ended {result!r}, expected 'won'")
    driver.set_script_timeout(120)
    rate = driver.execute_async_script(HASH_RATE_SCRIPT)
    for language, needs in (("en", "needs JavaScript"), ("ko", "자바스크립트가 필요합니다")):
        nojs_driver.get(server.base + "/e/puzzle?lang=" + language)
        notice = nojs_driver.find_element(By.CSS_SELECTOR, "p.needs-js")
        check(needs in notice.text and notice.is_displayed(), f"proof-of-work without JavaScript ({language}): {notice.text!r}")
        check(not nojs_driver.find_element(By.ID, "user").is_displayed(), f"proof-of-work without JavaScript ({language}): a form that cannot work")
        shoot_sizes(nojs_driver, language + "-nojs-proof-of-work")
    entries = server.api("GET", "/v1/events/puzzle")["entries"]
    check(entries == 1, f"proof-of-work: {entries} entries recorded, expected only the solver's")
    print(f"browser test: proof-of-work: pow_bits={bits} solved and entered in {elapsed:.2f} s, won on the page {decided:.2f} s after submitting; "
          f"Web Crypto SHA-256 in this browser: {rate:,.0f} hashes/s", flush=True)


def paused_line(server, driver, nojs):
    """A paused line: the form and the entrant's page say so, in English with JavaScript and in
    Korean without; resuming takes the notice away by itself."""
    server.api("POST", "/v1/events", {"id": "hold", "name": "Paused drop", "prizes": 2, "admit_per_tick": 1}, admin=True)
    server.api("PATCH", "/v1/events/hold", {"paused": True}, admin=True)
    for index in range(3):
        server.api("POST", "/v1/events/hold/entries", {"user": f"hold-{index}"})
    driver.get(server.base + "/e/hold")
    check(driver.find_element(By.ID, "paused").is_displayed(), "paused: the form does not say so")
    driver.find_element(By.ID, "user").send_keys("pat@example.com")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: "t=" in d.current_url)
    paused = driver.find_element(By.ID, "paused")
    check(paused.is_displayed() and paused.text == "The line is paused; your place is kept.", f"paused: the entry page says {paused.text!r}")
    check(driver.find_element(By.ID, "outlook").is_displayed(), "paused: three ahead of two prizes, and no word of it")
    shoot_sizes(driver, "en-js-paused")
    nojs.get(driver.current_url.replace("lang=en", "lang=ko") if "lang=" in driver.current_url else driver.current_url + "&lang=ko")
    check("줄이 잠시 멈췄습니다" in nojs.find_element(By.ID, "paused").text, "paused (ko, no JavaScript): not said")
    shoot_sizes(nojs, "ko-nojs-paused")
    server.api("PATCH", "/v1/events/hold", {"paused": False}, admin=True)
    WebDriverWait(driver, 30, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_elements(By.ID, "result") or not d.find_element(By.ID, "paused").is_displayed())
    print("browser test: paused: said on the form and the entry page (en, ko without JavaScript), gone on resuming", flush=True)


def claim_screens(server, english, korean):
    """A winner of an event with its own claim text, link and pass lifetime, in both
    languages at both sizes: the text (line breaks kept) and link replace the general
    text, the pass stays folded and lasts what the event says."""
    for driver, language, text in ((english, "en", "Bring this page to desk 4.\nOpen until 18:00."),
                                   (korean, "ko", "4번 창구로 이 화면을 가져오세요.\n18시까지 엽니다.")):
        event = "claim-" + language
        server.api("POST", "/v1/events", {"id": event, "name": "Claim " + language, "prizes": 1,
                                          "claim": {"text": text, "link": "https://shop.example/claim",
                                                    "pass_lifetime_s": 900}}, admin=True)
        reply = server.api("POST", f"/v1/events/{event}/entries", {"user": f"{language}-winner@example.com"})
        driver.get(server.base + f"/e/{event}?t={reply['token']}&lang={language}")
        WebDriverWait(driver, 30, poll_frequency=0.25).until(lambda d: d.find_elements(By.ID, "result"))
        shown = driver.find_element(By.ID, "claim-text").text
        check(shown == text, f"{language}: the claim text shows {shown!r}")
        links = [a.get_attribute("href") for a in driver.find_elements(By.TAG_NAME, "a")]
        check("https://shop.example/claim" in links, f"{language}: no claim link among {links}")
        check(not driver.find_element(By.ID, "admission").is_displayed(), f"{language}: the pass is not folded away")
        token = driver.find_element(By.ID, "admission").get_attribute("value").strip()
        claims = jwt.decode(token, options={"verify_signature": False})
        check(claims["exp"] - claims["iat"] == 900, f"{language}: the pass lasts {claims['exp'] - claims['iat']} s, not the event's 900")
        shoot_sizes(driver, f"{language}-claim-won")
    print("browser test: claim screens: the event's text and link shown to winners, passes of 900 s", flush=True)
