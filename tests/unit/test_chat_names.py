"""The name visitors see when a staff member joins a live chat, by default (staff_review/live_chat.py)."""
import pytest

from staff_review.live_chat import UNNAMED, default_chat_name
from storage.handoffs import CHAT_NAME


@pytest.mark.parametrize("username, shown", [("maria", "Maria"), ("anne-marie", "Anne-marie"), ("staff2", UNNAMED),
                                             ("m.lopez", UNNAMED), ("j_doe", UNNAMED), ("x" * 60, "X" + "x" * 39)])
def test_a_username_is_the_default_name_only_when_the_rasa_server_would_take_it(username, shown):
    assert default_chat_name(username) == shown
    assert CHAT_NAME.fullmatch(default_chat_name(username)), "the take would be refused (400) otherwise"
