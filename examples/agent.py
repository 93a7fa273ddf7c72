"""An agent with two tools that works through a multi-step task.

`langchain.agents.create_agent` runs the loop: the model looks up an order, then uses what the
lookup returned (the destination city and the weight) to ask for a shipping quote, then answers.
`parallel_tool_calls=False` asks for one tool call per turn, so the second step can use the
first step's result.

Runs on the real gateway when credentials are set, else on a local emulator
(see `_gateway_setup.py`).
"""

from __future__ import annotations

from _gateway_setup import gateway_model
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool

ORDERS = {
    1042: {"item": "espresso machine", "city": "Lima", "weight_kg": 7.5},
    2077: {"item": "desk lamp", "city": "Oslo", "weight_kg": 1.2},
}


@tool
def lookup_order(order_id: int) -> str:
    """Look up an order by its number: the item, the destination city and the weight in kg."""
    order = ORDERS.get(order_id)
    if order is None:
        return f"order {order_id}: not found"
    return (
        f"order {order_id}: item: {order['item']}; city: {order['city']}; "
        f"weight_kg: {order['weight_kg']}"
    )


@tool
def shipping_quote(city: str, weight_kg: float) -> str:
    """Quote express shipping in USD for a parcel of `weight_kg` kilograms to `city`."""
    price = 12.0 + 3.2 * weight_kg
    return f"express to {city}, {weight_kg} kg: {price:.2f} USD"


def main() -> None:
    with gateway_model("agent", model_kwargs={"parallel_tool_calls": False}) as model:
        agent = create_agent(
            model,
            [lookup_order, shipping_quote],
            system_prompt="You are a shipping assistant. Use the tools; never guess.",
        )
        result = agent.invoke(
            {
                "messages": [
                    (
                        "user",
                        "Look up order 1042, then get a shipping quote for its destination "
                        "city and weight.",
                    )
                ]
            }
        )
        for message in result["messages"]:
            if isinstance(message, AIMessage) and message.tool_calls:
                for call in message.tool_calls:
                    print(f"step: call {call['name']}({call['args']})")
            elif isinstance(message, ToolMessage):
                print(f"step: {message.name} -> {message.content}")
        final = result["messages"][-1]
        print("answer:", final.text)
        model_calls = sum(isinstance(m, AIMessage) for m in result["messages"])
        print(f"model calls: {model_calls}")


if __name__ == "__main__":
    main()
