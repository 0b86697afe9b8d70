import time, pytest
from tests.browser.conftest import public_paths

@pytest.mark.browser
def test_probe(live_server, page):
    for wait in ["commit", "domcontentloaded", "load"]:
        for p in public_paths(live_server)[:4]:
            t=time.time(); page.goto(live_server.url+p, wait_until=wait); print(wait, p, round(time.time()-t,3))
