"""Offline mode never opens a network connection: run the clients with sockets made to fail."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network use attempted: {args!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from helpers import llm
    claude, gpt = llm.anthropic_client(), llm.openai_client()
    reply = claude.messages.create(model="claude-haiku-5-5", max_tokens=8,
                                   messages=[{"role": "user", "content": "hi"}])
    with claude.messages.stream(model="claude-haiku-5-5", max_tokens=8,
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        streamed = "".join(stream.text_stream)
    chat = gpt.chat.completions.create(model="gpt-4.1-mini", max_tokens=8,
                                       messages=[{"role": "user", "content": "hi"}])
    chunks = list(gpt.chat.completions.create(model="gpt-4.1-mini", max_tokens=8, stream=True,
                                              messages=[{"role": "user", "content": "hi"}]))
    models = [m.id for m in claude.models.list()]
    assert reply.content[0].text and streamed and chat.choices[0].message.content and chunks and models
    print("OFFLINE-OK")
''')


def test_offline_clients_open_no_socket():
    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_API_KEY")}
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "OFFLINE-OK" in done.stdout
