"""docs/deploy.md shows the nginx configuration that tests/faults/test_hosts.py runs."""

from tests.faults.hosts import NGINX_CONF, render_nginx_conf
from tests.processes import ROOT


def test_deploy_md_shows_deploy_nginx_conf_as_it_is() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text()
    conf = NGINX_CONF.read_text()
    assert "deploy/nginx.conf" in text
    assert f"```nginx\n{conf}```" in text, "docs/deploy.md's copy of deploy/nginx.conf differs"


def test_the_test_replaces_only_the_upstream_servers() -> None:
    conf = NGINX_CONF.read_text()
    rendered = render_nginx_conf(["10.9.9.1:8000", "10.9.9.2:8000"])
    changed = [
        (old, new)
        for old, new in zip(conf.splitlines(), rendered.splitlines(), strict=True)
        if old != new
    ]
    assert [new.strip() for _, new in changed] == [
        "server 10.9.9.1:8000 max_fails=1 fail_timeout=5s;",
        "server 10.9.9.2:8000 max_fails=1 fail_timeout=5s;",
    ]
