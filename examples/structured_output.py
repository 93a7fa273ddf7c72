"""Structured output: a Pydantic schema filled from free text, three ways.

- `function_calling` (default): the schema is offered as a tool the model must call.
- `json_schema`: xAI's structured outputs (`response_format` with the JSON schema).
- `json_mode`: any JSON object; the prompt names the keys.

Runs on the real gateway when credentials are set, else on a local emulator
(see `_gateway_setup.py`).
"""

from __future__ import annotations

from _gateway_setup import gateway_model
from pydantic import BaseModel, Field


class Contact(BaseModel):
    """A person's contact details."""

    name: str = Field(description="Full name")
    email: str = Field(description="E-mail address")
    age: int = Field(description="Age in years")


TEXT = "Ada Lovelace is 36 years old; her e-mail is ada@example.com."


def main() -> None:
    with gateway_model("structured-output") as model:
        for method in ("function_calling", "json_schema"):
            extractor = model.with_structured_output(Contact, method=method)
            contact = extractor.invoke(f"Extract the contact from: {TEXT}")
            print(f"{method}: {contact!r}")

        raw = model.with_structured_output(method="json_mode", include_raw=True).invoke(
            "Reply in JSON with the keys `city` and `country` for: Lima is the capital of Peru."
        )
        print("json_mode:", raw["parsed"])
        print("json_mode log id:", raw["raw"].response_metadata["gateway"]["log_id"])


if __name__ == "__main__":
    main()
