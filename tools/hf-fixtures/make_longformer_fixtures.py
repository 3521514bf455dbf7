#!/usr/bin/python3
"""Golden fixtures for RecformerModel from Hugging Face's own LongformerModel.

Runs transformers' modeling_longformer.py (never copied into this repository: its folder is an
argument) under Debian's python3-torch, without installing transformers. The few package imports
that file needs are replaced by the shims below; none of them takes part in the attention or layer
math (see README.md next to this script). For each small random model it writes, under
recformer-train/src/test/resources/fixtures/hf-longformer/:

  <model>-weights.safetensors  every weight of LongformerModel under its Hugging Face name, F32
  <model>-outputs.safetensors  last_hidden_state of every batch, F32 [batch, length, hidden]
  fixtures.json                config, inputs, HF-computed position ids and provenance

Usage: /usr/bin/python3 make_longformer_fixtures.py SRC_DIR [--out DIR] [--transformers-commit SHA]
where SRC_DIR holds modeling_longformer.py and configuration_longformer.py (the folder
src/transformers/models/longformer of a transformers checkout).
"""

import argparse
import dataclasses
import hashlib
import importlib.util
import json
import logging
import os
import struct
import sys
import types
from collections import OrderedDict

import torch
from torch import nn

FORMAT_VERSION = 1
SEED = 20240607
PAD_ID = 1  # RoBERTa/Longformer's pad id; HF position ids start at PAD_ID + 1
TYPE_CLS, TYPE_KEY, TYPE_VALUE, TYPE_PAD = 0, 1, 2, 3  # Recformer's token types

# Two tiny models: window 4 (one-sided 2, many chunks) with Longformer's eps, and window 8 with
# BERT's eps. Sizes are small so the files stay well under 1 MB.
MODELS = [
    dict(
        name="w4",
        attention_window=4,
        layer_norm_eps=1e-5,
    ),
    dict(
        name="w8",
        attention_window=8,
        layer_norm_eps=1e-12,
    ),
]
COMMON = dict(
    vocab_size=100,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    hidden_act="gelu",
    max_position_embeddings=64,
    type_vocab_size=4,
    pad_token_id=PAD_ID,
    bos_token_id=0,
    eos_token_id=2,
    sep_token_id=2,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
)

# Batches: (name, real length of each row, global positions of each row). The padded length is
# the longest row; HF pads further to a multiple of the window itself. Rows have several global
# tokens, not only CLS; one row has no CLS global, one has none at all (its slots in HF's
# per-batch global index tensors are padding), and globals sit next to each other and at the end.
BATCHES = [
    ("uneven", [21, 13, 4, 17, 9], [[0, 7, 20], [0, 5, 6], [0, 3], [9], []]),
    ("long", [30, 26, 11], [[0, 1, 15, 29], [0, 12], [0, 10]]),
]


# --------------------------------------------------------------------------------------------
# Shims for the transformers package imports of modeling_longformer.py / configuration_*.py.
# --------------------------------------------------------------------------------------------


class _ShimModule(types.ModuleType):
    """A stand-in module that names any symbol it lacks, so a newer source says what to add."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(
            f"the shim for {self.__name__} has no '{name}': the given transformers source needs "
            f"more than this script provides (see tools/hf-fixtures/README.md)"
        )


def _identity_decorator(*_args, **_kwargs):
    """add_start_docstrings and friends only edit __doc__; here they return the function as is."""

    def wrap(fn):
        return fn

    return wrap


class _ModelOutput:
    """ModelOutput: attribute access plus index access over the fields that are not None."""

    def to_tuple(self):
        return tuple(
            getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not None
        )

    def __getitem__(self, key):
        if isinstance(key, str):
            return getattr(self, key)
        return self.to_tuple()[key]


class _PretrainedConfig:
    """The PretrainedConfig fields LongformerModel reads, with transformers' defaults."""

    def __init__(self, **kwargs):
        self.output_attentions = kwargs.pop("output_attentions", False)
        self.output_hidden_states = kwargs.pop("output_hidden_states", False)
        self.return_dict = kwargs.pop("return_dict", True)
        self.chunk_size_feed_forward = kwargs.pop("chunk_size_feed_forward", 0)
        self.num_labels = kwargs.pop("num_labels", 2)
        self.problem_type = kwargs.pop("problem_type", None)
        for key, value in kwargs.items():
            setattr(self, key, value)

    @property
    def use_return_dict(self):
        return self.return_dict


class _PreTrainedModel(nn.Module):
    """A thin nn.Module base: keeps the config, runs the subclass's _init_weights in post_init,
    and builds the additive attention mask exactly as transformers' ModuleUtilsMixin does."""

    def __init__(self, config, *args, **kwargs):
        super().__init__()
        self.config = config

    def post_init(self):
        self.apply(self._init_weights)

    @property
    def dtype(self):
        return next(self.parameters()).dtype

    def get_extended_attention_mask(self, attention_mask, input_shape, device=None, dtype=None):
        # transformers: [b, n] -> [b, 1, 1, n], then (1 - mask) * finfo.min. Longformer's merged
        # mask holds 0 (padding), 1 (local), 2 (global): this gives min (< 0), 0 and -min (> 0),
        # and LongformerEncoder/SelfAttention only test the sign (< 0, > 0, != 0).
        dtype = dtype if dtype is not None else self.dtype
        if attention_mask.dim() == 3:
            extended = attention_mask[:, None, :, :]
        elif attention_mask.dim() == 2:
            extended = attention_mask[:, None, None, :]
        else:
            raise ValueError(f"wrong attention mask shape {tuple(attention_mask.shape)}")
        extended = extended.to(dtype=dtype)
        return (1.0 - extended) * torch.finfo(dtype).min


def _apply_chunking_to_forward(forward_fn, chunk_size, chunk_dim, *input_tensors):
    # transformers calls forward_fn on the whole input when chunk_size is 0 (the default).
    if chunk_size > 0:
        raise NotImplementedError("feed-forward chunking is not shimmed; keep chunk_size_feed_forward 0")
    return forward_fn(*input_tensors)


def _not_shimmed(what):
    def fail(*_args, **_kwargs):
        raise NotImplementedError(f"{what} is not shimmed (head pruning is not used here)")

    return fail


class _ActivationTable(dict):
    def __missing__(self, key):
        raise KeyError(f"activation '{key}' is not shimmed; only 'gelu' (exact erf GELU) is")


def install_shims():
    """Registers stand-ins for the transformers modules the Longformer files import."""

    def module(name, package=False, **attrs):
        m = _ShimModule(name)
        if package:
            m.__path__ = []
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    module("transformers", package=True)
    module("transformers.models", package=True)
    module("transformers.models.longformer", package=True)
    # transformers' "gelu" is GELUActivation, i.e. torch.nn.functional.gelu (exact, erf).
    gelu = nn.GELU()
    module("transformers.activations", ACT2FN=_ActivationTable(gelu=gelu), gelu=gelu)
    module("transformers.modeling_utils", PreTrainedModel=_PreTrainedModel)
    module(
        "transformers.pytorch_utils",
        apply_chunking_to_forward=_apply_chunking_to_forward,
        find_pruneable_heads_and_indices=_not_shimmed("find_pruneable_heads_and_indices"),
        prune_linear_layer=_not_shimmed("prune_linear_layer"),
    )
    module(
        "transformers.utils",
        ModelOutput=_ModelOutput,
        add_code_sample_docstrings=_identity_decorator,
        add_start_docstrings=_identity_decorator,
        add_start_docstrings_to_model_forward=_identity_decorator,
        replace_return_docstrings=_identity_decorator,
        logging=types.SimpleNamespace(get_logger=logging.getLogger),
    )
    # Older sources name the base PretrainedConfig, newer ones PreTrainedConfig.
    module(
        "transformers.configuration_utils",
        PretrainedConfig=_PretrainedConfig,
        PreTrainedConfig=_PretrainedConfig,
    )
    # Only subclassed by LongformerOnnxConfig, which is never instantiated here.
    module("transformers.onnx", package=True, OnnxConfig=type("OnnxConfig", (), {}))


def load_source(src_dir):
    """Imports HF's two Longformer files as transformers.models.longformer.* over the shims."""
    install_shims()
    loaded = {}
    for short in ("configuration_longformer", "modeling_longformer"):
        path = os.path.join(src_dir, short + ".py")
        if not os.path.isfile(path):
            sys.exit(f"{path} not found: pass the folder src/transformers/models/longformer")
        name = "transformers.models.longformer." + short
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        loaded[short] = (mod, path)
    return loaded


# --------------------------------------------------------------------------------------------
# Fixture generation.
# --------------------------------------------------------------------------------------------


def randomize(model, generator):
    """Seeded weights larger than BERT's 0.02 so attention is far from uniform and every tensor
    (global projections included, each drawn on its own) leaves a visible mark on the output."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            shape = p.shape
            g = torch.randn(shape, generator=generator, dtype=torch.float32)
            if "LayerNorm" in name and name.endswith(".weight"):
                p.copy_(1.0 + 0.1 * g)
            elif name.endswith(".bias"):
                p.copy_(0.1 * g)
            elif "embeddings" in name:
                p.copy_(0.5 * g)
            else:
                p.copy_(0.2 * g)


def make_batch(generator, lengths, globals_, vocab_size):
    b, n = len(lengths), max(lengths)
    ids = torch.full((b, n), PAD_ID, dtype=torch.long)
    types_ = torch.full((b, n), TYPE_PAD, dtype=torch.long)
    attention = torch.zeros((b, n), dtype=torch.long)
    global_mask = torch.zeros((b, n), dtype=torch.long)
    for r, (length, gs) in enumerate(zip(lengths, globals_)):
        # ids 3.. so no real token is the pad id (1): HF derives positions from input ids.
        ids[r, :length] = torch.randint(3, vocab_size, (length,), generator=generator)
        ids[r, 0] = 0  # <s> / CLS
        types_[r, 0] = TYPE_CLS
        # key/value runs as in Recformer's attribute flattening: 2 key tokens, then 3 values
        for i in range(1, length):
            types_[r, i] = TYPE_KEY if (i - 1) % 5 < 2 else TYPE_VALUE
        attention[r, :length] = 1
        for g in gs:
            assert g < length, (r, g, length)
            global_mask[r, g] = 1
    return ids, types_, attention, global_mask


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_safetensors(path, tensors, metadata):
    """The safetensors layout (8-byte LE header length, JSON header, raw LE data), F32 only."""
    header = OrderedDict()
    header["__metadata__"] = metadata
    blobs, offset = [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def compact_json(value, indent=0):
    """JSON with one line per matrix row, so the inputs stay readable in a diff."""
    pad = " " * indent
    if isinstance(value, dict):
        items = [f'{pad}  {json.dumps(k)}: {compact_json(v, indent + 2).lstrip()}' for k, v in value.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        items = [compact_json(v, indent + 2) for v in value]
        return pad + "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return pad + json.dumps(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("src_dir", help="folder with modeling_longformer.py and configuration_longformer.py")
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(
        here, "..", "..", "recformer-train", "src", "test", "resources", "fixtures", "hf-longformer"
    )
    parser.add_argument("--out", default=os.path.normpath(default_out))
    parser.add_argument(
        "--source-note",
        default="unknown",
        help="where SRC_DIR's files came from (repository commit), recorded in provenance",
    )
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    loaded = load_source(args.src_dir)
    cfg_mod, cfg_path = loaded["configuration_longformer"]
    hf, hf_path = loaded["modeling_longformer"]
    os.makedirs(args.out, exist_ok=True)

    manifest = OrderedDict(
        format_version=FORMAT_VERSION,
        description="Hugging Face LongformerModel last hidden states for RecformerModel; "
        "regenerate with tools/hf-fixtures/make_longformer_fixtures.py",
        provenance=OrderedDict(
            generator="tools/hf-fixtures/make_longformer_fixtures.py",
            seed=SEED,
            torch=torch.__version__,
            python=sys.version.split()[0],
            transformers_source=args.source_note,
            modeling_longformer_sha256=sha256(hf_path),
            configuration_longformer_sha256=sha256(cfg_path),
            position_ids="computed by HF from input_ids (create_position_ids_from_input_ids, "
            "padding_idx = pad_token_id): real tokens pad_token_id + 1, 2, ...; padding "
            "pad_token_id",
        ),
        models=[],
    )
    generator = torch.Generator().manual_seed(SEED)
    for spec in MODELS:
        config = cfg_mod.LongformerConfig(
            attention_window=spec["attention_window"], layer_norm_eps=spec["layer_norm_eps"], **COMMON
        )
        model = hf.LongformerModel(config, add_pooling_layer=False).eval()
        randomize(model, generator)
        weights = OrderedDict((k, v) for k, v in model.state_dict().items())
        for name, t in weights.items():
            assert t.dtype == torch.float32, (name, t.dtype)
        weights_file = f"{spec['name']}-weights.safetensors"
        outputs_file = f"{spec['name']}-outputs.safetensors"
        write_safetensors(os.path.join(args.out, weights_file), weights, {"format": "pt"})

        batches, outputs = [], OrderedDict()
        for batch_name, lengths, globals_ in BATCHES:
            ids, types_, attention, global_mask = make_batch(
                generator, lengths, globals_, COMMON["vocab_size"]
            )
            with torch.no_grad():
                # No position_ids: HF derives them from input_ids, as a RoBERTa checkpoint does.
                out = model(
                    input_ids=ids,
                    attention_mask=attention,
                    global_attention_mask=global_mask,
                    token_type_ids=types_,
                )
            hidden = out.last_hidden_state
            assert hidden.shape == (len(lengths), max(lengths), COMMON["hidden_size"])
            assert torch.isfinite(hidden).all()
            positions = hf.create_position_ids_from_input_ids(ids, PAD_ID)
            tensor_name = f"{batch_name}.last_hidden_state"
            outputs[tensor_name] = hidden
            batches.append(
                OrderedDict(
                    name=batch_name,
                    batch_size=len(lengths),
                    length=max(lengths),
                    lengths=lengths,
                    input_ids=ids.tolist(),
                    token_type_ids=types_.tolist(),
                    attention_mask=attention.tolist(),
                    global_attention_mask=global_mask.tolist(),
                    position_ids=positions.tolist(),
                    last_hidden_state=tensor_name,
                )
            )
        write_safetensors(os.path.join(args.out, outputs_file), outputs, {"format": "pt"})
        hf_config = OrderedDict(
            (k, getattr(config, k))
            for k in [
                "vocab_size",
                "hidden_size",
                "num_hidden_layers",
                "num_attention_heads",
                "intermediate_size",
                "hidden_act",
                "max_position_embeddings",
                "type_vocab_size",
                "pad_token_id",
                "layer_norm_eps",
            ]
        )
        hf_config["attention_window"] = spec["attention_window"]
        manifest["models"].append(
            OrderedDict(
                name=spec["name"],
                config=hf_config,
                weights=weights_file,
                outputs=outputs_file,
                batches=batches,
            )
        )
        print(f"{spec['name']}: {len(weights)} tensors, batches {[b[0] for b in BATCHES]}")

    with open(os.path.join(args.out, "fixtures.json"), "w", encoding="utf-8") as f:
        f.write(compact_json(manifest) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
