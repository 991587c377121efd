"""Evaluation slots hand a slot over on the loop's next turn: what finished meanwhile (a commit's
answer) is handled before the next small description is evaluated on the loop."""

from __future__ import annotations

import asyncio

import pytest

from api.service.limits import EvaluationSlots
from api.service.problems import ProblemError


def test_the_next_evaluation_waits_for_what_finished_meanwhile() -> None:
    order: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        slots = EvaluationSlots(1, 10)

        async def evaluate(name: str) -> None:
            async with slots.slot():
                order.append(name)
                if name == "a":
                    loop.call_soon(order.append, "commit answered")  # finished while "a" ran

        await asyncio.gather(evaluate("a"), evaluate("b"), evaluate("c"))
        assert slots.running == 0

    asyncio.run(main())
    assert order == ["a", "commit answered", "b", "c"]


def test_past_the_queue_a_request_is_refused() -> None:
    async def main() -> None:
        slots = EvaluationSlots(1, 1)
        await slots.acquire()
        waiting = asyncio.ensure_future(slots.acquire())
        await asyncio.sleep(0)
        with pytest.raises(ProblemError) as exc:
            await slots.acquire()
        assert exc.value.status == 503
        slots.release()
        await waiting  # the slot was handed over
        assert slots.running == 1

    asyncio.run(main())
