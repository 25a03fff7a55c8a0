"""Writes a tiny random-weights llama GGUF (about 9 MB) for tests of the in-process GGUF provider.

Usage: python3 make_tiny_gguf.py <llama.cpp source dir> <out.gguf>
The llama.cpp source comes from node-llama-cpp's own bundle (llama/gitRelease.bundle), so nothing is downloaded:
gguf-py writes the file and models/ggml-vocab-llama-spm.gguf gives a real 32k SentencePiece vocabulary.
The weights are random: the model loads and generates, but what it says is noise.
"""

import sys
from pathlib import Path

import numpy as np

src, out = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(src / "gguf-py"))
import gguf  # noqa: E402

vocab = gguf.GGUFReader(str(src / "models" / "ggml-vocab-llama-spm.gguf"))


def field(name):
    f = vocab.fields[name]
    return [f.parts[i] for i in f.data]


tokens = [bytes(p).decode("utf-8", errors="replace") for p in field("tokenizer.ggml.tokens")]
scores = [float(p[0]) for p in field("tokenizer.ggml.scores")]
types = [int(p[0]) for p in field("tokenizer.ggml.token_type")]
n_vocab, n_embd, n_ff, n_head = len(tokens), 64, 128, 4

w = gguf.GGUFWriter(str(out), "llama")
w.add_name("peerbench-tiny-random")
w.add_context_length(8192)
w.add_embedding_length(n_embd)
w.add_block_count(1)
w.add_feed_forward_length(n_ff)
w.add_head_count(n_head)
w.add_head_count_kv(n_head)
w.add_rope_dimension_count(n_embd // n_head)
w.add_layer_norm_rms_eps(1e-5)
w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(types)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
w.add_chat_template(
    "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + message['content'] + '\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

rng = np.random.default_rng(7)


def rand(*shape):
    return (rng.standard_normal(shape) * 0.02).astype(np.float16)


w.add_tensor("token_embd.weight", rand(n_vocab, n_embd))
w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
w.add_tensor("output.weight", rand(n_vocab, n_embd))
w.add_tensor("blk.0.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
    w.add_tensor(f"blk.0.{name}.weight", rand(n_embd, n_embd))
w.add_tensor("blk.0.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
w.add_tensor("blk.0.ffn_gate.weight", rand(n_ff, n_embd))
w.add_tensor("blk.0.ffn_up.weight", rand(n_ff, n_embd))
w.add_tensor("blk.0.ffn_down.weight", rand(n_embd, n_ff))

w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(out, out.stat().st_size)
