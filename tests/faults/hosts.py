"""Several hosts on one machine: network namespaces joined by a bridge, and nginx.

`Network` makes one namespace per host (`ip netns`), each with a veth pair whose
other end is on a bridge in this (the test's) namespace: the hosts reach one
another and the test over 10.77.<n>.0/24, and nothing else. The bridge holds
.1 (the test); the hosts get .10, .11, ... in order. Names carry this process's
id, so runs side by side never meet; what a killed run left behind (its
namespaces, whatever still runs in them, its bridge) is removed first.

`Balancer` is nginx (Debian's package) on a host of its own, running
deploy/nginx.conf, the very file docs/deploy.md shows, with only its upstream's
server addresses replaced, inside the smallest main configuration that includes it.

`ServeHost` is `bin/serve` started on one host (`ip netns exec`), as production
starts it.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.multiprocess import AsgiServer
from tests.processes import ROOT

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
PREFIX = "hearth-"  # namespaces: hearth-<pid>-<host>; links: hb<pid>, hv<pid><n> (n < 10)


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_ip(), *args], check=check, capture_output=True, text=True, timeout=30)


def _ip() -> str:
    return shutil.which("ip") or "/usr/sbin/ip"


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def remove_leftovers() -> None:
    """Delete namespaces and bridges of earlier runs whose process is gone."""
    for line in ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        found = re.fullmatch(rf"{PREFIX}(\d+)-\w+", name)
        if found and not _alive(int(found.group(1))):
            _delete_namespace(name)
    # A namespace can outlive its name for a while (the kernel frees it once nothing
    # holds it), and with it a veth pair: delete the pair from this side.
    for line in ip("-o", "link", "show", check=False).stdout.splitlines():
        found = re.match(r"\d+: (hb(\d+)|hv(\d+)\d)[:@]", line)
        if found and not _alive(int(found.group(2) or found.group(3))):
            ip("link", "del", found.group(1), check=False)


def _delete_namespace(name: str) -> None:
    """Kill what still runs in namespace `name`, then delete it (its veth ends go too)."""
    for _ in range(3):
        pids = ip("netns", "pids", name, check=False).stdout.split()
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.2)
    ip("netns", "del", name, check=False)


def _free_subnet(start: int) -> int:
    """A third octet n for 10.77.n.0/24 that no address of this machine uses yet."""
    used = ip("-o", "-4", "addr", "show", check=False).stdout
    for step in range(250):
        n = (start + step) % 250 + 1
        if f"10.77.{n}." not in used:
            return n
    raise RuntimeError("no free 10.77.n.0/24 subnet")


class Network:
    """Hosts in namespaces on one bridge; `exec(host)` is the prefix to run there."""

    def __init__(self, *hosts: str) -> None:
        self.pid = os.getpid()
        self.subnet = _free_subnet(self.pid)
        self.bridge = f"hb{self.pid}"
        self.gateway = f"10.77.{self.subnet}.1"  # the test's own address on the bridge
        self.network = f"10.77.{self.subnet}.0/24"
        self.hosts = list(hosts)
        self.addresses = {host: f"10.77.{self.subnet}.{10 + n}" for n, host in enumerate(hosts)}

    def namespace(self, host: str) -> str:
        return f"{PREFIX}{self.pid}-{host}"

    def exec(self, host: str) -> tuple[str, ...]:
        return (_ip(), "netns", "exec", self.namespace(host))

    def up(self) -> None:
        remove_leftovers()
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for n, host in enumerate(self.hosts):
            namespace, veth = self.namespace(host), f"hv{self.pid}{n}"
            ip("netns", "add", namespace)
            ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            ip("link", "set", veth, "master", self.bridge, "up")
            inside = ("-n", namespace)
            ip(*inside, "addr", "add", f"{self.addresses[host]}/24", "dev", "eth0")
            ip(*inside, "link", "set", "eth0", "up")
            ip(*inside, "link", "set", "lo", "up")

    def down(self) -> None:
        for n, host in enumerate(self.hosts):
            _delete_namespace(self.namespace(host))
            ip("link", "del", f"hv{self.pid}{n}", check=False)  # gone with it, or now
        ip("link", "del", self.bridge, check=False)

    def established(self, host: str, port: int) -> int:
        """How many TCP connections to `port` on `host` are established now."""
        table = subprocess.run(
            [*self.exec(host), "cat", "/proc/net/tcp"],
            check=True, capture_output=True, text=True, timeout=10,
        ).stdout  # fmt: skip
        count = 0
        for line in table.splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                count += 1
        return count


class ServeHost(AsgiServer):
    """`bin/serve` on one host of a `Network`: HOST, PORT and WEB_CONCURRENCY from here,
    and FORWARDED_ALLOW_IPS the address of the `balancer` host."""

    def __init__(
        self, network: Network, host: str, *, workers: int, balancer: str, env: dict[str, str]
    ) -> None:
        env = {
            **env,
            "HOST": network.addresses[host],
            "PORT": "8000",
            "WEB_CONCURRENCY": str(workers),
            "FORWARDED_ALLOW_IPS": network.addresses[balancer],
        }
        super().__init__(port=8000, env=env, host=network.addresses[host], name=f"host-{host}")
        self.prefix = network.exec(host)

    def command(self) -> list[str]:
        return [*self.prefix, str(ROOT / "bin" / "serve")]

    def kill(self) -> None:
        """Stop at once, master and workers (SIGKILL to the master alone orphans them)."""
        if self.running:
            self.kill_tree()
        self.process = None

    def kill_tree(self) -> list[int]:
        """SIGKILL the server and every process under it (uvicorn's master and workers)."""
        assert self.process is not None
        tree = _tree(self.process.pid)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(5)
        self.process = None
        return tree

    def open_sockets(self) -> int:
        """The WebSockets this host's workers hold now (its /metrics, all workers summed)."""
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:
            text = response.read().decode()
        found = re.search(r"^hearth_ws_open_sockets(?:\{[^}]*\})? (\S+)$", text, re.MULTILINE)
        return int(float(found.group(1))) if found else 0


def _tree(root: int) -> list[int]:
    """`root` and its descendants, parents first."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop(0)
        tree.append(pid)
        queue.extend(children.get(pid, []))
    return tree


def render_nginx_conf(upstreams: list[str]) -> str:
    """deploy/nginx.conf with the upstream's servers at `upstreams` instead."""
    text = NGINX_CONF.read_text()
    servers = re.findall(r"^(\s*server )(\S+)( .*;)$", text, flags=re.MULTILINE)
    assert len(servers) == len(upstreams), "deploy/nginx.conf names another number of hosts"
    for (indent, address, rest), upstream in zip(servers, upstreams, strict=True):
        text = text.replace(f"{indent}{address}{rest}", f"{indent}{upstream}{rest}", 1)
    return text


class Balancer:
    """nginx on `host` of `network` (port 80, as the file says), in front of `upstreams`."""

    def __init__(self, network: Network, host: str, upstreams: list[str]) -> None:
        self.address = network.addresses[host]
        self.prefix = network.exec(host)
        self.directory = Path(tempfile.mkdtemp(prefix="hearth-nginx-"))
        self.site = self.directory / "hearth.conf"
        self.site.write_text(render_nginx_conf(upstreams))
        self.error_log = self.directory / "error.log"
        # The smallest main configuration around it (Debian's includes conf.d inside http).
        (self.directory / "nginx.conf").write_text(
            f"""daemon off;
worker_processes 1;
pid {self.directory}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {self.directory}/body;
    proxy_temp_path {self.directory}/proxy;
    fastcgi_temp_path {self.directory}/fastcgi;
    uwsgi_temp_path {self.directory}/uwsgi;
    scgi_temp_path {self.directory}/scgi;
    include {self.site};
}}
"""
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def origin(self) -> str:
        return self.url

    def ws_url(self, path: str) -> str:
        return f"ws://{self.address}{path}"

    def start(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [
            *self.prefix,
            nginx,
            "-e",
            str(self.error_log),
            "-c",
            f"{self.directory}/nginx.conf",
        ]
        test = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, timeout=30)
        assert test.returncode == 0, f"nginx refuses the configuration:\n{test.stderr}"
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while True:
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.address, 80), 1),
            ):
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start:\n{self.log_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()  # fast shutdown: open sockets are closed
                try:
                    self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(5)
            self.process = None

    def log_text(self) -> str:
        try:
            return self.error_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
