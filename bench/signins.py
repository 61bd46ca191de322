#!/usr/bin/env python3
"""Drives compozy-devcloud (started with --auto-approve) for bench/devcloud-state:
one request after another, as fast as it answers, on a kept-alive connection.

    signins.py URL sign-in COUNT    COUNT full sign-ins (authorize, then the code
                                    for tokens); prints sign-ins per second
    signins.py URL refresh COUNT    one sign-in, then COUNT refreshes, each with
                                    the token the last one gave; prints refreshes
                                    per second
"""
import base64
import hashlib
import http.client
import json
import secrets
import sys
import time
import urllib.parse

REDIRECT_URI = "http://127.0.0.1:9/callback"
SCOPE = "openid email profile offline_access"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Devcloud:
    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)

    def send(self, method, path, body=None):
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        return response.status, response.getheader("Location", ""), content

    def sign_in(self):
        verifier = b64url(secrets.token_bytes(32))
        query = urllib.parse.urlencode({
            "response_type": "code", "client_id": "compozy-cli", "redirect_uri": REDIRECT_URI,
            "scope": SCOPE, "state": "bench", "code_challenge_method": "S256",
            "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()),
        })
        status, location, _ = self.send("GET", "/oauth/authorize?" + query)
        if status != 302:
            sys.exit(f"signins.py: authorize answered {status}; is devcloud started with --auto-approve?")
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
        return self.tokens({"grant_type": "authorization_code", "client_id": "compozy-cli", "code": code,
                            "redirect_uri": REDIRECT_URI, "code_verifier": verifier})

    def refresh(self, refresh_token):
        return self.tokens({"grant_type": "refresh_token", "client_id": "compozy-cli",
                            "refresh_token": refresh_token})

    def tokens(self, form):
        status, _, content = self.send("POST", "/oauth/token", urllib.parse.urlencode(form))
        if status != 200:
            sys.exit(f"signins.py: the token endpoint answered {status}: {content[:200]!r}")
        return json.loads(content)


def main(url, what, count):
    devcloud = Devcloud(url)
    count = int(count)
    if what == "sign-in":
        started = time.perf_counter()
        for _ in range(count):
            devcloud.sign_in()
    elif what == "refresh":
        refresh_token = devcloud.sign_in()["refresh_token"]
        started = time.perf_counter()
        for _ in range(count):
            refresh_token = devcloud.refresh(refresh_token)["refresh_token"]
    else:
        sys.exit(f"signins.py: unknown command {what!r}")
    print(f"{count / (time.perf_counter() - started):.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
