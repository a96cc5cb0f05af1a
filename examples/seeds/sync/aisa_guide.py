"""AIsa guide's sync Python snippets, run as written; the one change is the import line.

``python aisa_guide.py`` runs them with seedclient's ``SyncSeedClient`` in place of
``openai.OpenAI``; ``python aisa_guide.py openai`` with openai's own client, unchanged. As
in the async ports, the base URL and key come from the environment (the fake server in CI).
The sections: the first call, streaming, JSON mode, the agent loop, Seedream at a size
Seedream 4.5 takes (the guide's 1024x1024 is below its minimum; see ../aisa_seedream.py).
"""

import json
import os
import sys

if sys.argv[1:] == ["openai"]:
    from openai import OpenAI
else:
    from seedclient import SyncSeedClient as OpenAI  # the one-line change

BASE_URL = os.environ.get("SEED_EXAMPLE_BASE_URL", "https://api.aisa.one/v1")
API_KEY = os.environ.get("SEED_EXAMPLE_API_KEY", "YOUR_AISA_API_KEY")

client = OpenAI(
    api_key=API_KEY,
    base_url=BASE_URL
)

response = client.chat.completions.create(
    model="seed-1-6-250915",
    messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Summarise the key differences between transformer and Mamba architectures."}
    ]
)
print(response.choices[0].message.content)

stream = client.chat.completions.create(
    model="seed-1-8-251228",
    messages=[{"role": "user", "content": "Walk me through debugging this async race condition step by step."}],
    stream=True
)

for chunk in stream:
    if chunk.choices[0].delta.content:
        print(chunk.choices[0].delta.content, end="", flush=True)
print()

response = client.chat.completions.create(
    model="seed-1-8-251228",
    messages=[
        {
            "role": "user",
            "content": "Extract the company name, founding year, and HQ city from this text as JSON."
        }
    ],
    response_format={"type": "json_object"}
)

data = json.loads(response.choices[0].message.content)
print(sorted(data))

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


def execute_tool(name: str, arguments: str) -> str:  # not in the guide: a stand-in
    return {"query_database": '[{"stuck_orders": 12}]', "send_alert": "alert sent"}[name]


messages = [
    {"role": "user", "content": "Check if any orders have been stuck in 'processing' status for more than 24 hours, and alert the team if there are more than 10."}
]

while True:
    response = client.chat.completions.create(
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

# Generate 4 variations in one request
response = client.images.generate(
    model="seedream-4-5-251128",
    prompt="Abstract geometric logo for an AI infrastructure company, dark blue and cyan, clean lines",
    n=4,
    size="2560x1440"
)

for i, image in enumerate(response.data):
    print(f"Variation {i+1}: {image.url}")
