#!/usr/bin/env python3
"""Talk to the messenger from Python with nothing but the standard library.

    # once, with your own sign-in: a bot and a send-only token for it (the secret is shown once)
    MESSENGER_URL=http://localhost:3000 MESSENGER_PASSWORD='…' python3 send.py token --username alice --bot bot.ci
    # then, from the script that runs for months
    MESSENGER_URL=http://localhost:3000 MESSENGER_TOKEN=msk_… python3 send.py send bob "Build 42 is green"
    # or, with no token at all, through an incoming webhook's secret URL
    MESSENGER_WEBHOOK_URL=http://localhost:3000/hooks/… python3 send.py webhook "Build 42 is green"

Every send carries an Idempotency-Key, so a retry (after a 503, a 429 or a lost connection) never
makes a second message. 429 and 503 answers say when to come back in Retry-After; we wait that
long, up to MESSENGER_MAX_WAIT seconds in all, and otherwise give up with exit code 75 (EX_TEMPFAIL).
Errors are always {"error": {"code", "message"}} with a stable code (docs/api.md).
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

RETRYABLE = {429, 503}
EX_TEMPFAIL = 75


class ApiError(Exception):
    def __init__(self, status, code, message, retry_after=None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.retry_after = status, code, retry_after


def request(method, url, body=None, headers=None):
    """One HTTP exchange; the parsed JSON answer, or ApiError with the server's stable code."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            raw = res.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        try:
            error = json.loads(e.read())["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "http_error", "message": e.reason}
        retry_after = e.headers.get("retry-after")
        raise ApiError(e.code, error["code"], error["message"], int(retry_after) if retry_after and retry_after.isdigit() else None) from None


def with_retries(call, max_wait):
    """Runs call() until it succeeds; waits out 429/503 as Retry-After says, up to max_wait seconds in all."""
    waited = 0
    for attempt in range(1, 11):
        try:
            return call()
        except ApiError as e:
            if e.status not in RETRYABLE:
                raise
            delay = e.retry_after if e.retry_after is not None else min(2**attempt, 30)
            if waited + delay > max_wait:
                raise
            print(f"{e.status} {e.code}; retrying in {delay} s", file=sys.stderr)
        except urllib.error.URLError as e:
            # The server may have had the message: the same Idempotency-Key makes the retry safe.
            delay = min(2**attempt, 30)
            if waited + delay > max_wait:
                raise
            print(f"{e.reason}; retrying in {delay} s", file=sys.stderr)
        time.sleep(delay)
        waited += delay
    raise RuntimeError("gave up after 10 attempts")


def create_token(base, username, password, bot, name):
    """Signs in, makes `bot` if it is new, and returns a send-only token for it."""
    session = request("POST", f"{base}/api/auth/login", {"username": username, "password": password})["token"]
    auth = {"authorization": f"Bearer {session}"}
    try:
        request("POST", f"{base}/api/bots", {"username": bot}, auth)
    except ApiError as e:
        if e.code != "username_taken":
            raise
    return request("POST", f"{base}/api/tokens", {"name": name, "scopes": ["send"], "bot": bot}, auth)


def send(base, token, to, text, max_wait):
    key = {"idempotency-key": str(uuid.uuid4())}  # one key for every attempt of this message
    auth = {"authorization": f"Bearer {token}", **key}
    return with_retries(lambda: request("POST", f"{base}/send", {"to": to, "text": text}, auth), max_wait)


def post_webhook(url, text, max_wait):
    key = {"idempotency-key": str(uuid.uuid4())}
    return with_retries(lambda: request("POST", url, {"text": text}, key), max_wait)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    token = commands.add_parser("token", help="create a send-only API token for one of your bots")
    token.add_argument("--username", required=True)
    token.add_argument("--bot", required=True)
    token.add_argument("--name", default="python example")
    message = commands.add_parser("send", help="send a message with MESSENGER_TOKEN")
    message.add_argument("to")
    message.add_argument("text")
    hook = commands.add_parser("webhook", help="post to MESSENGER_WEBHOOK_URL")
    hook.add_argument("text")
    args = parser.parse_args()

    base = os.environ.get("MESSENGER_URL", "http://localhost:3000").rstrip("/")
    max_wait = int(os.environ.get("MESSENGER_MAX_WAIT", "60"))
    try:
        if args.command == "token":
            # From the environment, not an argument: other local users can read a process's arguments.
            answer = create_token(base, args.username, os.environ["MESSENGER_PASSWORD"], args.bot, args.name)
        elif args.command == "send":
            answer = send(base, os.environ["MESSENGER_TOKEN"], args.to, args.text, max_wait)
        else:
            answer = post_webhook(os.environ["MESSENGER_WEBHOOK_URL"], args.text, max_wait)
    except ApiError as e:
        print(f"error: {e}", file=sys.stderr)
        return EX_TEMPFAIL if e.status in RETRYABLE else 1
    except urllib.error.URLError as e:
        print(f"error: {e.reason}", file=sys.stderr)
        return EX_TEMPFAIL
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
