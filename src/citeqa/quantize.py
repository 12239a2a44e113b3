"""The int8 encoder: the float export with its matrix products' weights stored as 8-bit
integers in blocks of BLOCK values, each block with its own scale, and multiplied in int8
(ONNX Runtime's MatMulNBits). Blockwise scales keep the vectors within cosine 0.998 of the
float export's, where one scale per tensor or per channel loses up to 0.02-0.15; the build
embeds about 1.3 times as fast (bench/results.md)."""

from __future__ import annotations

import logging
from pathlib import Path

from .errors import ModelError

QUANTIZE_VERSION = 1  # bump when what quantize_export writes changes (part of the cache key)
BLOCK = 128          # values per scale
BITS = 8
ACCURACY_LEVEL = 4   # ONNX Runtime multiplies int8 activations by the int8 weights
MIN_COSINE = 0.998   # checked against the float export before the file is kept


def quantize_export(src: Path, dest: Path) -> None:
    """Write the int8 encoder made from the float export `src` to `dest`, checked against
    `src` on embedding.CHECK_SENTENCES."""
    import onnx

    from .embedding import CHECK_SENTENCES, OnnxEncoder, lowest_cosine

    root = logging.getLogger()
    handlers, root_level = root.handlers[:], root.level
    try:  # the quantizer's module configures the root logger when imported: undone here
        from onnxruntime.quantization.matmul_nbits_quantizer import (
            DefaultWeightOnlyQuantConfig,
            MatMulNBitsQuantizer,
        )
    except ImportError as err:  # onnx-ir, or an onnxruntime older than the 8-bit quantizer
        raise ModelError(f"the int8 encoder cannot be made: {err}", remedy="reinstall") from None
    finally:
        root.handlers[:] = handlers
        root.setLevel(root_level)

    log = logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer")
    level = log.level
    log.setLevel(logging.ERROR)  # one line per matrix otherwise
    try:
        config = DefaultWeightOnlyQuantConfig(block_size=BLOCK, is_symmetric=True,
                                              accuracy_level=ACCURACY_LEVEL, bits=BITS)
        quantizer = MatMulNBitsQuantizer(onnx.load(str(src)), algo_config=config)
        quantizer.process()
        quantizer.model.save_model_to_file(str(dest), False)
    finally:
        log.setLevel(level)
    if lowest_cosine(OnnxEncoder(src, threads=1).encode(CHECK_SENTENCES), dest) < MIN_COSINE:
        raise ModelError("the int8 encoder does not reproduce the float export's embeddings "
                         "(onnxruntime may be broken)", remedy="reinstall")
