"""Helpers to run the shipped deployment files on loopback (tests and ``ops_drill.py``):
render the nginx site for a local port (with a test certificate, or without TLS), write a
minimal nginx main configuration around it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "loesungskatalog.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
STATIC_DIR = ROOT / "catalogue" / "static"


def render_site(
    *,
    listen: str,
    upstream: str,
    log_dir: Path,
    cert: Path | None = None,
    key: Path | None = None,
    text: str | None = None,
) -> str:
    """The shipped site with its addresses replaced. Without ``cert`` the HTTP→HTTPS redirect
    server is dropped and the TLS server listens in plain HTTP (loopback drills only)."""
    site = text if text is not None else SITE.read_text(encoding="utf-8")
    site = site.replace("server 127.0.0.1:8000", f"server {upstream}")
    site = site.replace("/opt/loesungskatalog/app/catalogue/static/", f"{STATIC_DIR}/")
    site = re.sub(
        r"access_log /var/log/nginx/\S+?(\s+\w+)?;", rf"access_log {log_dir}/access.log\1;", site
    )
    site = re.sub(
        r"error_log /var/log/nginx/\S+ warn;", f"error_log {log_dir}/error.log warn;", site
    )
    site = site.replace("root /var/www/letsencrypt;", f"root {log_dir};")
    if cert is not None and key is not None:
        site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
        site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
        site = site.replace("listen 443 ssl http2;", f"listen {listen} ssl http2;")
        site = site.replace("listen [::]:443 ssl http2;\n", "")
        site = site.replace("listen 80;", f"listen {_bump(listen)};").replace(
            "listen [::]:80;\n", ""
        )
        return site
    # Plain HTTP: drop the redirect server and every TLS directive.
    first = site.index("server {")
    second = site.index("server {", first + 1)
    site = site[:first] + site[second:]
    site = site.replace("listen 443 ssl http2;", f"listen {listen};")
    site = site.replace("listen [::]:443 ssl http2;\n", "")
    site = "\n".join(line for line in site.splitlines() if not line.strip().startswith("ssl_"))
    return site + "\n"


def _bump(listen: str) -> str:
    host, _, port = listen.rpartition(":")
    return f"{host}:{int(port) + 1}"


def main_conf(site_path: Path, prefix: Path) -> str:
    return f"""worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site_path};
}}
"""
