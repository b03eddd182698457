"""The API's error shape: webargs/marshmallow messages flattened to field paths."""

from oncall.web.api.errors import error_body, flatten


def test_messages_become_paths():
    messages = {"query": {"start": ["bad date"], "_schema": ["start and end"]}, "json": ["x"]}
    assert flatten(messages) == [
        {"path": "query.start", "message": "bad date"},
        {"path": "query", "message": "start and end"},
        {"path": "json", "message": "x"},
    ]
    assert flatten({"json": {"steps": {0: {"to": ["bad"]}}}}) == [
        {"path": "json.steps.0.to", "message": "bad"}
    ]


def test_error_body_codes():
    assert error_body(409, "changed") == {
        "error": {"status": 409, "code": "conflict", "message": "changed", "details": []}
    }
    assert error_body(418, "teapot")["error"]["code"] == "client_error"
    assert error_body(502, "gateway")["error"]["code"] == "server_error"
