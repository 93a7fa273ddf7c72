"""An LCEL chain: prompt | model | parser, invoked once and batched.

Runs on the real gateway when credentials are set, else on a local emulator
(see `_gateway_setup.py`).
"""

from __future__ import annotations

from _gateway_setup import gateway_model
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

PROMPT = ChatPromptTemplate.from_messages(
    [
        ("system", "You are a concise technical writer. Answer in one sentence."),
        ("human", "Explain {topic} to a {audience}."),
    ]
)


def main() -> None:
    with gateway_model("lcel-chain", temperature=0) as model:
        chain = PROMPT | model | StrOutputParser()

        answer = chain.invoke({"topic": "an AI gateway", "audience": "new developer"})
        print("invoke:", answer)

        topics = ["response caching", "rate limiting", "request logs"]
        answers = chain.batch(
            [{"topic": topic, "audience": "product manager"} for topic in topics],
            config={"max_concurrency": 2},
        )
        for topic, text in zip(topics, answers, strict=True):
            print(f"batch [{topic}]:", text)


if __name__ == "__main__":
    main()
