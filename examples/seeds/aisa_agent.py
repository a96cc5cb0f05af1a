"""AIsa guide, "seed-1-8-251228 — agents and tool calling": the agent loop as written.

``execute_tool`` is not in the guide; a stand-in answers each tool. The loop appends the
returned message to ``messages`` as the guide does, and ends when the model answers.
"""

import asyncio
import os
import sys

BASE_URL = os.environ.get("SEED_EXAMPLE_BASE_URL", "https://api.aisa.one/v1")
API_KEY = os.environ.get("SEED_EXAMPLE_API_KEY", "YOUR_AISA_API_KEY")

tools = [
    {
        "type": "function",
        "function": {
            "name": "query_database",
            "description": "Run a SQL query and return results as JSON",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "Valid SQL query"},
                    "database": {"type": "string", "enum": ["production", "analytics"]}
                },
                "required": ["query", "database"]
            }
        }
    },
    {
        "type": "function",
        "function": {
            "name": "send_alert",
            "description": "Send an alert to the on-call engineer",
            "parameters": {
                "type": "object",
                "properties": {
                    "severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
                    "message": {"type": "string"}
                },
                "required": ["severity", "message"]
            }
        }
    }
]


def execute_tool(name: str, arguments: str) -> str:
    return {"query_database": '[{"stuck_orders": 12}]', "send_alert": "alert sent"}[name]


async def main(client) -> None:
    messages = [
        {"role": "user", "content": "Check if any orders have been stuck in 'processing' status for more than 24 hours, and alert the team if there are more than 10."}
    ]

    turns = 0
    while True:
        turns += 1
        response = await client.chat.completions.create(
            model="seed-1-8-251228",
            messages=messages,
            tools=tools,
            tool_choice="auto"
        )
        message = response.choices[0].message
        messages.append(message)

        if not message.tool_calls:
            print(message.content)
            break

        for tool_call in message.tool_calls:
            result = execute_tool(tool_call.function.name, tool_call.function.arguments)
            messages.append({
                "role": "tool",
                "tool_call_id": tool_call.id,
                "content": str(result)
            })
    print(f"turns: {turns}")
    await client.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["openai"]:
        from openai import AsyncOpenAI

        asyncio.run(main(AsyncOpenAI(api_key=API_KEY, base_url=BASE_URL)))
    else:
        from seedclient import SeedClient

        asyncio.run(main(SeedClient(api_key=API_KEY, base_url=BASE_URL)))
