"""PerChatOrder without servers: one chat's updates in order, other chats meanwhile."""
import asyncio
from datetime import datetime, timezone

from telegram import Chat, Message, Update

from telegram_bridge.ordering import PerChatOrder

A, B = 1001, 2002


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(timezone.utc), chat))


async def test_a_chats_updates_finish_in_order_while_other_chats_go_on():
    order = PerChatOrder()
    finished = []

    async def handle(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    # A slow first and a fast second update in chat A, then a fast one in chat B.
    await asyncio.gather(
        order.process_update(update(1, A), handle("A1 slow", 0.3)),
        order.process_update(update(2, A), handle("A2 fast", 0)),
        order.process_update(update(3, B), handle("B fast", 0)),
    )
    # B was not held up by A's slow turn; A's second waited for A's first.
    assert finished == ["B fast", "A1 slow", "A2 fast"]
    assert not order._locks and not order._pending, "idle chats are forgotten"


async def test_at_most_max_chats_turns_run_at_once():
    order = PerChatOrder(max_chats=2)
    running = peak = 0

    async def handle() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1

    await asyncio.gather(*(order.process_update(update(n, 3000 + n), handle()) for n in range(6)))
    assert peak == 2


async def test_the_handoff_poller_waits_its_turn_in_a_chat_and_gives_up_after_a_while():
    order = PerChatOrder()
    finished = []

    async def handle(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    async def staff(wait: float) -> None:
        async with order.chat(A, wait=wait) as held:
            finished.append(f"staff, in turn: {held}")

    turn = asyncio.ensure_future(order.process_update(update(1, A), handle("A1 bot turn", 0.3)))
    await asyncio.sleep(0)
    await asyncio.gather(staff(wait=5), order.process_update(update(2, B), handle("B", 0)))
    assert finished == ["B", "A1 bot turn", "staff, in turn: True"]
    await turn

    finished.clear()
    turn = asyncio.ensure_future(order.process_update(update(3, A), handle("A3 slow bot turn", 0.5)))
    await asyncio.sleep(0)
    await staff(wait=0.1)
    assert finished == ["staff, in turn: False"], "a stuck turn holds the poller up only so long"
    await turn
    await order.process_update(update(4, A), handle("A4", 0))  # the lock was not kept by the one that gave up
    assert finished[-1] == "A4"
    assert not order._locks and not order._pending, "idle chats are forgotten"
