"""Probability calibration: a monotone map from a scorer's probability to the observed rate
of right answers, fitted (isotonic regression) on questions the scorer was not fitted on, and
stored as the corners of a piecewise-linear curve."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Calibration:
    """Calibrated probability = linear interpolation of `y` over `x` (both non-decreasing,
    within [0, 1]); below x[0] it is y[0], above x[-1] it is y[-1]."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y) or not self.x:
            raise ValueError("a calibration needs as many x as y corners, at least one")
        if np.any(np.diff(self.x) < 0) or np.any(np.diff(self.y) < 0):
            raise ValueError("a calibration's corners must be non-decreasing")
        if min(self.y) < 0 or max(self.y) > 1:
            raise ValueError("calibrated probabilities must lie in [0, 1]")

    def __call__(self, p: np.ndarray | float) -> np.ndarray:
        return np.interp(np.atleast_1d(np.asarray(p, dtype=np.float64)), self.x, self.y)

    def to_dict(self) -> dict[str, list[float]]:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        return cls(tuple(float(v) for v in data["x"]), tuple(float(v) for v in data["y"]))

    @classmethod
    def identity(cls) -> Calibration:
        return cls((0.0, 1.0), (0.0, 1.0))


def isotonic(scores: Sequence[float], labels: Sequence[bool]) -> Calibration:
    """Fit by pool-adjacent-violators: the non-decreasing step function of the scores that is
    closest (least squares) to the 0/1 labels, kept as one corner per block at its mean score.
    A block's rate is read with one right and one wrong answer added (Laplace's rule of
    succession), so a small block at either end never claims 0 or 1; where that reading
    makes a block's rate no higher than the one before it, the two are pooled too, so the
    rates rise strictly and no run of answers shares one flat confidence."""
    order = np.argsort(np.asarray(scores, dtype=np.float64), kind="stable")
    s = np.asarray(scores, dtype=np.float64)[order]
    v = np.asarray(labels, dtype=np.float64)[order]
    if not len(s):
        return Calibration.identity()
    blocks: list[list[float]] = []          # [sum of labels, count, sum of scores]
    for score, label in zip(s, v, strict=True):
        blocks.append([label, 1.0, score])
        _pool(blocks, lambda b: b[0] / b[1])
    pooled: list[list[float]] = []
    for block in blocks:
        pooled.append(block)
        _pool(pooled, _smoothed)
    return Calibration(tuple(float(b[2] / b[1]) for b in pooled),
                       tuple(float(_smoothed(b)) for b in pooled))


def _smoothed(block: list[float]) -> float:
    """A block's rate of right answers with one right and one wrong answer added."""
    return (block[0] + 1) / (block[1] + 2)


def _pool(blocks: list[list[float]], rate: Callable[[list[float]], float]) -> None:
    """Merge the last block into the one before while its `rate` is not higher."""
    while len(blocks) > 1 and rate(blocks[-2]) >= rate(blocks[-1]):
        top = blocks.pop()
        for i in range(3):
            blocks[-1][i] += top[i]
