"""`python -m oncall users ...` and `tokens ...` against the test's own Redis (REDIS_URL), in
process; bad arguments exit 2 with one line and change nothing."""

from __future__ import annotations

import io
import json
import re

import pytest
import redis

from oncall.cli import main, serve
from oncall.services import policies, tokens, users
from oncall.services.vendors import known_vendor_ids
from oncall.store import keys
from oncall.store.redisconn import url_of
from tests.helpers.vendor_files import BASE as ACME

PASSWORD = "correct horse battery"


@pytest.fixture
def oncall(redis_client, monkeypatch, capsys):
    """oncall(*argv, stdin="") -> (exit status, stdout, stderr)."""
    monkeypatch.setenv("REDIS_URL", url_of(redis_client))

    def run(*argv, stdin=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_users_add_with_roles_and_a_password_from_stdin(oncall, redis_client):
    argv = ["users", "add", "ann", "--name", "Ann A", "--phone", "+47 400 00 101"]
    argv += ["--role", "lead:aidn", "--role", "engineer:pindena", "--password-stdin"]
    status, out, _ = oncall(*argv, stdin=PASSWORD + "\n")
    assert status == 0 and out == "added ann: lead:aidn, engineer:pindena\n"
    user = users.check_login(redis_client, "ann", PASSWORD)
    assert user.roles == {"aidn": "lead", "pindena": "engineer"}
    assert user.phone == "+4740000101"


def test_a_generated_password_is_printed_once(oncall, redis_client):
    status, out, _ = oncall("users", "add", "root", "--name", "Root", "--role", "admin",
                            "--generate-password")  # fmt: skip
    assert status == 0
    password = re.search(r"password \(shown once\): (\S+)", out)[1]
    assert users.check_login(redis_client, "root", password).is_admin


def test_the_password_is_prompted_twice(oncall, redis_client, monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    status, _, err = oncall("users", "add", "ann", "--name", "Ann", "--role", "admin")
    assert status == 2 and err == "oncall: error: the two passwords differ; nothing changed\n"
    assert redis_client.dbsize() == 0
    answers = iter([PASSWORD, PASSWORD])
    assert oncall("users", "add", "ann", "--name", "Ann", "--role", "admin")[0] == 0


def test_no_terminal_for_the_prompt_is_one_line_and_exit_2(oncall, redis_client, monkeypatch):
    """Without a terminal (a script, cron, CI) getpass reads stdin and meets its end: the user
    gets one line naming the two non-interactive ways, not a traceback."""

    def no_terminal(prompt):
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_terminal)
    status, out, err = oncall("users", "add", "ann", "--name", "Ann", "--role", "admin")
    assert status == 2 and out == ""
    assert err == (
        "oncall: error: no password typed (no terminal?): use --password-stdin or "
        "--generate-password; nothing changed\n"
    )
    assert redis_client.dbsize() == 0


def test_users_list_shows_no_hash_and_masks_phones(oncall, redis_client):
    users.add_user(redis_client, "ann", name="Ann", password=PASSWORD, phone="+4740000101",
                   roles={"aidn": "lead"})  # fmt: skip
    users.add_user(redis_client, "root", name="Root", password=PASSWORD, roles={"*": "admin"})
    users.disable_user(redis_client, "root")
    status, out, _ = oncall("users", "list")
    assert status == 0
    assert out.splitlines()[0].split() == ["ann", "Ann", "+*******101", "lead:aidn"]
    assert out.splitlines()[1].split() == ["root", "Root", "-", "admin", "(disabled)"]
    status, out, _ = oncall("users", "list", "--json")
    rows = json.loads(out)
    assert rows[0] == {"username": "ann", "name": "Ann", "phone": "+*******101",
                       "roles": {"aidn": "lead"}, "disabled": False}  # fmt: skip
    assert "argon2" not in out and "$" not in out


def test_users_disable_and_passwd(oncall, redis_client):
    users.add_user(redis_client, "ann", name="Ann", password=PASSWORD, roles={"aidn": "lead"})
    assert oncall("users", "passwd", "ann", "--password-stdin", stdin="a new password\n")[0] == 0
    assert users.check_login(redis_client, "ann", "a new password") is not None
    assert oncall("users", "disable", "ann")[0] == 0
    assert users.check_login(redis_client, "ann", "a new password") is None


def test_tokens_add_list_revoke(oncall, redis_client, clock):
    users.add_user(redis_client, "ann", name="Ann", password=PASSWORD, roles={"aidn": "lead"})
    status, out, _ = oncall("tokens", "add", "--user", "ann", "--name", "ci",
                            "--expires", "2199-01-31")  # fmt: skip
    assert status == 0
    token = out.splitlines()[-1]
    assert token.startswith("oc_")
    token_id = re.match(r"token (\w+) \(ci\) for ann, expires 2199-02-01T00:00:00", out)[1]
    assert tokens.user_for_token(redis_client, token, clock=clock).username == "ann"
    status, out, _ = oncall("tokens", "list", "--user", "ann", "--json")
    assert [t["id"] for t in json.loads(out)] == [token_id] and token not in out
    assert oncall("tokens", "revoke", "--user", "ann", token_id)[0] == 0
    assert tokens.user_for_token(redis_client, token, clock=clock) is None
    assert "ann has no tokens" in oncall("tokens", "list", "--user", "ann")[1]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["users", "add", "Ann", "--name", "A", "--role", "admin", "--generate-password"],
         "lower case"),
        (["users", "add", "ann", "--name", "A", "--role", "boss", "--generate-password"],
         "--role 'boss': admin, lead:VENDOR or engineer:VENDOR"),
        (["users", "add", "ann", "--name", "A", "--role", "lead:nope", "--generate-password"],
         "--role 'lead:nope': unknown vendor (valid: aidn, amido, itsl, kommune-ikt, pindena)"),
        (["users", "add", "ann", "--name", "A", "--role", "lead:aidn", "--role", "engineer:aidn",
          "--generate-password"], "aidn already has role lead"),
        (["users", "add", "ann", "--name", "A", "--role", "admin", "--phone", "12",
          "--generate-password"], "phone: not a valid number"),
        (["users", "add", "ann", "--name", "A", "--role", "admin", "--password-stdin",
          "--generate-password"], "not allowed with argument"),
        (["users", "add", "ann", "--name", "A", "--role", "admin", "--password-stdin"],
         "a password has 10 to 1024 characters"),
        (["users", "add", "ann", "--name", "A"], "the following arguments are required: --role"),
        (["users", "disable", "nobody"], "no user 'nobody'"),
        (["users", "passwd", "nobody", "--generate-password"], "no user 'nobody'"),
        (["users", "frobnicate"], "invalid choice: 'frobnicate'"),
        (["tokens", "add", "--user", "nobody", "--name", "ci"], "no user 'nobody'"),
        (["tokens", "add", "--user", "x", "--name", "ci", "--expires", "2027-13-01"],
         "--expires: "),
        (["tokens", "add", "--user", "x", "--name", "ci", "--expires", "2020-01-01"],
         "the expiry is in the past"),
        (["tokens", "list", "--user", "nobody"], "no user 'nobody'"),
        (["tokens", "revoke", "--user", "nobody", "abc"], "nobody has no token 'abc'"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line_and_change_nothing(oncall, redis_client, argv, says):
    if argv[:2] == ["tokens", "add"] and "x" in argv:
        users.add_user(redis_client, "x", name="X", password=PASSWORD, roles={"aidn": "lead"})
    before = sorted(redis_client.scan_iter())
    status, out, err = oncall(*argv, stdin="short\n")
    assert status == 2 and out == ""
    assert err.startswith("oncall: error: ") and err.count("\n") == 1, err
    assert says in err
    assert sorted(redis_client.scan_iter()) == before
    assert not redis_client.exists(keys.user("ann"))


def test_make_run_creates_a_demo_admin_once(redis_client, capsys):
    serve._demo_admin(redis_client)
    out = capsys.readouterr().out
    password = re.search(r"first start: user admin, password (\S+) \(shown once", out)[1]
    assert users.check_login(redis_client, "admin", password).is_admin
    serve._demo_admin(redis_client)  # a later start: a user exists, nothing printed
    assert capsys.readouterr().out == ""
    assert [u.username for u in users.list_users(redis_client)] == ["admin"]


def test_a_role_names_a_vendor_of_the_policy_store_once_it_holds_any(oncall, redis_client, clock):
    policies.save_text(redis_client, "acme", ACME, base=None, author="test", clock=clock)
    status, out, _ = oncall("users", "add", "ann", "--name", "Ann", "--role", "lead:acme",
                            "--generate-password")  # fmt: skip
    assert status == 0 and users.get_user(redis_client, "ann").roles == {"acme": "lead"}
    before = sorted(redis_client.scan_iter())
    status, out, err = oncall("users", "add", "bo", "--name", "Bo", "--role", "lead:pindena",
                              "--generate-password")  # fmt: skip
    assert (status, out) == (2, "")  # pindena.yaml is a file, not a stored vendor
    assert err == "oncall: error: --role 'lead:pindena': unknown vendor (valid: acme)\n"
    assert sorted(redis_client.scan_iter()) == before


def test_known_vendor_ids_are_the_files_when_redis_is_unreachable(settings):
    dead = redis.Redis(unix_socket_path="/nonexistent/redis.sock", socket_connect_timeout=0.2)
    files = {"aidn", "amido", "itsl", "kommune-ikt", "pindena"}
    assert known_vendor_ids(dead, settings.config_dir) == files
