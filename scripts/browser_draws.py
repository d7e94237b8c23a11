"""Browser flows of drawn orders: a shuffle's pre-queue and a lottery waiting for its beacon."""
import time
import urllib.error

from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import check, rfc3339, shoot, shoot_sizes, steady_text


def fair_open(server, driver, korean):
    """A shuffle's pre-queue (countdown, entry without a place, the place after the draw, the
    result) in English, and a lottery's draw in Korean."""
    server.api("POST", "/v1/events", {"id": "fair", "name": "Fair drop", "prizes": 3, "admit_per_tick": 1,
                                      "order": "shuffle", "prequeue_at": rfc3339(-60), "opens_at": rfc3339(10)}, admin=True)
    for index in range(5):
        server.api("POST", "/v1/events/fair/entries", {"user": f"fair-early-{index}"})
    driver.get(server.base + "/e/fair")
    notice = WebDriverWait(driver, 5).until(lambda d: d.find_elements(By.ID, "notice"))[0].text
    check("Pre-queue" in notice and "random place" in notice, f"pre-queue: the notice says {notice!r}")
    WebDriverWait(driver, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Opens in" in d.find_element(By.ID, "countdown").text)
    check(driver.find_elements(By.ID, "user"), "pre-queue: no entry form")
    shoot_sizes(driver, "en-js-prequeue-1-form")
    driver.find_element(By.ID, "user").send_keys("zoe@example.com")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: "t=" in d.current_url)
    token = driver.current_url.split("t=")[1].split("&")[0]
    number = driver.find_element(By.ID, "number").text.replace("\xa0", " ")
    check(number == "Entry #6", f"pre-queue: number shown is {number!r}")
    undrawn = driver.find_element(By.ID, "undrawn").text
    check("random place" in undrawn, f"pre-queue: the entry page says {undrawn!r}")
    WebDriverWait(driver, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Places are drawn in" in d.find_element(By.ID, "draw-countdown").text)
    check(not driver.find_elements(By.ID, "ahead"), "pre-queue: a count of people ahead before the draw")
    shoot(driver, "en-js-prequeue-2-waiting")
    # The draw at opening: the live update brings the place without a click.
    # The page reloads itself when the place arrives: an element read during the reload is stale, not missing.
    WebDriverWait(driver, 40, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Your place in line" in d.find_element(By.ID, "number").text or d.find_elements(By.ID, "result"))
    place = server.api("GET", "/v1/entries/" + token)["place"]
    check(place is not None and 1 <= place <= 6, f"pre-queue: the API gives place {place}")
    shown = steady_text(driver, "number").replace("\xa0", " ")
    check(shown == f"Your place in line: {place}", f"pre-queue: the page shows {shown!r}, the API place {place}")
    shoot(driver, "en-js-prequeue-3-placed")
    WebDriverWait(driver, 60, poll_frequency=0.25).until(lambda d: d.find_elements(By.ID, "result"))
    status = server.api("GET", "/v1/entries/" + token)["status"]
    check(status == ("won" if place <= 3 else "lost"), f"pre-queue: place {place} ended {status}")
    WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.ID, "result").get_attribute("class") == status)
    shoot(driver, "en-js-prequeue-4-result")
    draw = server.api("GET", "/v1/events/fair/draw")
    check(draw["drawn"] == 6 and draw["order"] == "shuffle", f"pre-queue: the draw covers {draw['drawn']} entries")
    print(f"browser test: shuffle: pre-queue entry #6 drawn to place {place}, {status}; seed {draw['seed'][:16]}…", flush=True)

    lottery(server, driver, korean)


BEACON = "drand quicknet round 1234"


def lottery(server, driver, korean):
    """A lottery that waits for a beacon: "Enter the draw" with a closing countdown (English and
    Korean), the entry waiting for the beacon after the close, the draw, and a loss it made."""
    server.api("POST", "/v1/events", {"id": "chuchum", "name": "추첨 이벤트", "prizes": 1, "order": "lottery",
                                      "closes_at": rfc3339(12), "beacon": BEACON}, admin=True)
    tokens = [server.api("POST", "/v1/events/chuchum/entries", {"user": f"lotto-{index}"})["token"] for index in range(3)]
    for browser_, language, join, closes in ((driver, "en", "Enter the draw", "Closes in"), (korean, "ko", "추첨에 응모하기", "마감까지")):
        browser_.get(server.base + "/e/chuchum?lang=" + language)
        check(join in browser_.page_source and "Join the line" not in browser_.page_source, f"lottery ({language}): the form says {join!r}")
        WebDriverWait(browser_, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: closes in d.find_element(By.ID, "countdown").text)
        shoot_sizes(browser_, language + "-js-lottery-1-form")
    korean.find_element(By.ID, "user").send_keys("서연@example.kr")
    korean.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(korean, 15).until(lambda d: "t=" in d.current_url)
    text = korean.find_element(By.ID, "undrawn").text
    check("추첨" in text, f"lottery (ko): the entry page says {text!r}")
    shoot(korean, "ko-js-lottery-2-waiting")
    # At the close the page says what the draw waits for, without a reload.
    WebDriverWait(korean, 30, poll_frequency=0.25).until(lambda d: BEACON in d.find_element(By.ID, "undrawn").text)
    shoot_sizes(korean, "ko-js-lottery-3-beacon")
    driver.get(server.base + f"/e/chuchum?t={tokens[0]}&lang=en")
    waiting = driver.find_element(By.ID, "undrawn").text
    check("waits for the public beacon value (" + BEACON + ")" in waiting, f"lottery (en): after the close: {waiting!r}")
    shoot_sizes(driver, "en-js-lottery-3-beacon")
    driver.get(server.base + "/e/chuchum?lang=en")
    notice = driver.find_element(By.ID, "notice").text
    check(BEACON in notice and driver.find_element(By.ID, "find-user").is_displayed() and not driver.find_elements(By.ID, "user"),
          f"lottery (en): after the close the form page says {notice!r}, with no entry form but 'see your result'")
    shoot_sizes(driver, "en-js-lottery-3-closed")
    deadline = time.time() + 10
    while True:
        try:
            server.api("POST", "/v1/events/chuchum/beacon", {"value": "8c1f0e"}, admin=True)
            break
        except urllib.error.HTTPError as refused:  # the server's close may come a moment after the page's
            check(refused.code == 409 and time.time() < deadline, f"lottery: the beacon post was refused ({refused.code})")
            time.sleep(0.2)
    WebDriverWait(korean, 60, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_elements(By.ID, "result"))
    shoot_sizes(korean, "ko-js-lottery-4-result")
    number = steady_text(korean, "number").replace("\xa0", " ")
    check(number.startswith("추첨 순서:"), f"lottery (ko): the result page shows {number!r}")
    # One prize among four entries: an entry the API made lost; its page says the draw did not pick it.
    deadline = time.time() + 20
    while server.api("GET", "/v1/events/chuchum")["waiting"] != 0 and time.time() < deadline:
        time.sleep(0.2)
    lost = next(token for token in tokens if server.api("GET", "/v1/entries/" + token)["status"] == "lost")
    for browser_, language, words in ((driver, "en", "Sorry, the draw did not pick you."), (korean, "ko", "아쉽지만 이번 추첨에서 뽑히지 않았습니다.")):
        browser_.get(server.base + f"/e/chuchum?t={lost}&lang={language}")
        result = browser_.find_element(By.ID, "result").text
        check(result == words, f"lottery ({language}): a loss says {result!r}")
        shoot_sizes(browser_, language + "-js-lottery-5-lost")
    print(f"browser test: lottery: closing countdown, waited for {BEACON!r}, drawn; {number!r}; a loss says the draw did not pick it",
          flush=True)
