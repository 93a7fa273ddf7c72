"""An agent on xAI's Responses API: the `web_search` server-side tool plus a local tool.

`langchain.agents.create_agent` runs the loop. Grok searches the web itself (a server-side tool:
the search happens at xAI, the results come back as sources and inline citations) and asks for
the local `lookup_order` tool, which runs here; the next model call answers from both.

Binding `{"type": "web_search"}` switches the model to the Responses API
(`…/grok/v1/responses`). Each model call is stateless (`store=False`): the encrypted reasoning
of one call is sent back in the next, and `prompt_cache_key` keeps the conversation on one
xAI cache, so the second call reads the repeated prompt from the cache.

Runs on the real gateway when credentials are set, else on a local emulator
(see `_gateway_setup.py`).
"""

from __future__ import annotations

from _gateway_setup import gateway_model
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool

TICKS_PER_USD = 10**10  # xAI reports cost as integer `cost_in_usd_ticks`
ORDERS = {1042: "espresso machine, shipping to Lima"}


@tool
def lookup_order(order_id: int) -> str:
    """Look up an order by its number: the item and where it ships."""
    return f"order {order_id}: {ORDERS.get(order_id, 'not found')}"


def main() -> None:
    with gateway_model(
        "responses-agent",
        model="grok-4.3",
        reasoning={"effort": "low", "summary": "auto"},
        prompt_cache_key="responses-agent-demo",
    ) as model:
        agent = create_agent(
            model,
            [{"type": "web_search"}, lookup_order],
            system_prompt="You are a shopping assistant. Use the tools; cite your sources.",
        )
        result = agent.invoke(
            {
                "messages": [
                    (
                        "user",
                        "Search the web for espresso machine reviews, then look up order 1042.",
                    )
                ]
            }
        )
        for message in result["messages"]:
            if isinstance(message, AIMessage):
                _print_model_call(message)
            elif isinstance(message, ToolMessage):
                print(f"local tool: {message.name} -> {message.content}")
        final = result["messages"][-1]
        print("answer:", final.text)
        for url in final.additional_kwargs.get("citations", []):
            print("source:", url)


def _print_model_call(message: AIMessage) -> None:
    for block in message.content:
        if isinstance(block, dict) and block.get("type") == "web_search_call":
            action = block.get("action") or {}
            sources = [source["url"] for source in action.get("sources") or []]
            print(f"server-side web_search: {action.get('query')!r} -> {len(sources)} sources")
    for call in message.tool_calls:
        print(f"model asks for: {call['name']}({call['args']})")
    usage = message.usage_metadata
    input_tokens = usage["input_tokens"] if usage else 0
    cached = usage.get("input_token_details", {}).get("cache_read", 0) if usage else 0
    cost = message.response_metadata.get("cost_in_usd_ticks", 0) / TICKS_PER_USD
    print(
        f"model call: provider={message.response_metadata.get('model_provider')} "
        f"input_tokens={input_tokens} cached_tokens={cached} "
        f"cost_usd={cost:.6f} log_id={message.response_metadata['gateway']['log_id']}"
    )


if __name__ == "__main__":
    main()
