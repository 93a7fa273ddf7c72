"""Many prompts at once: asyncio with bounded concurrency and a progress bar.

A semaphore keeps at most `MAX_CONCURRENCY` requests in flight (a gateway rate limit or your
xAI quota will thank you); `tqdm` shows progress as answers arrive, in completion order. The
example measures how many requests were in flight at most and prints the total cost from xAI's
`cost_in_usd_ticks` (1 USD = 10,000,000,000 ticks).

Runs on the real gateway when credentials are set, else on a local emulator
(see `_gateway_setup.py`).
"""

from __future__ import annotations

import asyncio

from _gateway_setup import gateway_model
from langchain_core.messages import AIMessage
from tqdm import tqdm

from langchain_cfgateway_grok import ChatCloudflareGrok

MAX_CONCURRENCY = 4
USD_PER_TICK = 1e-10
QUESTIONS = [f"In one line: a fun fact about the number {n}." for n in range(1, 13)]


class InFlight:
    """Counts requests in flight and remembers the peak."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        self.now -= 1


async def ask_all(model: ChatCloudflareGrok) -> tuple[list[AIMessage], int]:
    limit = asyncio.Semaphore(MAX_CONCURRENCY)
    in_flight = InFlight()

    async def ask(question: str) -> AIMessage:
        async with limit:
            with in_flight:
                return await model.ainvoke(question)

    tasks = [asyncio.create_task(ask(q)) for q in QUESTIONS]
    answers: list[AIMessage] = []
    with tqdm(total=len(tasks), desc="answers", unit="call") as bar:
        for finished in asyncio.as_completed(tasks):
            answers.append(await finished)
            bar.update(1)
    return answers, in_flight.peak


def main() -> None:
    with gateway_model("async-batch") as model:
        answers, peak = asyncio.run(ask_all(model))
    ticks = sum(a.response_metadata.get("cost_in_usd_ticks", 0) for a in answers)
    tokens = sum((a.usage_metadata or {}).get("total_tokens", 0) for a in answers)
    print(f"answers: {len(answers)}/{len(QUESTIONS)}")
    print(f"peak concurrency: {peak} (limit {MAX_CONCURRENCY})")
    print(f"total tokens: {tokens}")
    print(f"total cost: ${ticks * USD_PER_TICK:.6f}")
    print("sample:", min(a.text for a in answers))


if __name__ == "__main__":
    main()
