"""Offline mode never opens a network connection: run the clients with sockets made to fail."""

import subprocess
import sys
import textwrap

NO_SOCKETS = textwrap.dedent('''
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network use attempted: {args!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
''')

SCRIPT = NO_SOCKETS + textwrap.dedent('''
    from helpers import llm
    claude, gpt = llm.anthropic_client(), llm.openai_client()
    haiku, luna = llm.default_model("anthropic"), llm.default_model("openai")  # active models, whatever the date
    reply = claude.messages.create(model=haiku, max_tokens=32, messages=[{"role": "user", "content": "hi"}])
    with claude.messages.stream(model=haiku, max_tokens=32,
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        streamed = "".join(stream.text_stream)
    chat = gpt.chat.completions.create(model=luna, max_completion_tokens=32,
                                       messages=[{"role": "user", "content": "hi"}])
    chunks = list(gpt.chat.completions.create(model=luna, max_completion_tokens=32, stream=True,
                                              messages=[{"role": "user", "content": "hi"}]))
    models = [m.id for m in claude.models.list()]
    text = "".join(block.text for block in reply.content if block.type == "text")  # a thinking block may come first
    assert text and streamed and chat.choices[0].message.content and chunks and models
    print("OFFLINE-OK")
''')


def test_offline_clients_open_no_socket():
    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_API_KEY")}
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "OFFLINE-OK" in done.stdout


RAG_SCRIPT = NO_SOCKETS + textwrap.dedent('''
    from llama_index.core import VectorStoreIndex
    from helpers import rag
    from helpers.rag.llamaindex import CourseLLM, embedding_model, to_nodes

    kb = rag.load_corpus("data/kb")
    questions = rag.load_qa("data/kb_eval.jsonl", kb).questions[:3]
    pipeline = rag.build_pipeline(kb, retrievers=("dense", "bm25"), rerank="maxsim", rerank_fetch=5, store="qdrant")
    report = rag.evaluate_retrieval(pipeline, questions, k=5)
    chunks = rag.fixed_chunks(kb, 200, 40)[:20]
    index = VectorStoreIndex(to_nodes(chunks), embed_model=embedding_model())
    answer = index.as_query_engine(llm=CourseLLM(max_tokens=8), similarity_top_k=2).query("What is a frosted board?")
    assert report.summary["questions"] == 3 and str(answer)
    print("OFFLINE-RAG-OK")
''')


def test_offline_rag_pipeline_opens_no_socket():
    """llama-index (with its tokenizer and NLTK data), bm25s, Qdrant local mode and the encoders stay off the network."""
    from pathlib import Path

    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_API_KEY")}
    env.pop("QDRANT_URL", None)
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run([sys.executable, "-c", RAG_SCRIPT], capture_output=True, text=True, timeout=600, env=env,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "OFFLINE-RAG-OK" in done.stdout
