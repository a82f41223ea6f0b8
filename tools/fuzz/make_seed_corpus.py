#!/usr/bin/env python3
"""Writes the fuzzing seed corpus: tests/data/fuzz/{safetensors,config,snapshot}/.

Every file is written byte by byte here (Python 3 standard library only). Names say what a seed
is: ok-* must parse, bad-* must be refused with an mp::EngineError, and bad-<defect> names the
defect. tests/engine/tst_fuzz_corpus.cpp replays them all; the fuzzers start from copies.

  tools/fuzz/make_seed_corpus.py            rewrite the corpus (stale generated files removed)
  tools/fuzz/make_seed_corpus.py --check    exit 1 if the committed corpus differs from this script
  tools/fuzz/make_seed_corpus.py --out DIR  write elsewhere

Files named bad-found-* reproduce engine defects (found by fuzzing or review) not fixed yet; this
script never writes nor removes them. Once the engine is fixed, the input moves in here under a name
that says the defect and the expected outcome (the "regression" seeds below).
The snapshot seeds use the input format of tests/fuzz/snapshot_input.h.
"""

import argparse
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, "tests", "data", "fuzz")
TOTAL_LIMIT = 200 * 1024

# ---------------------------------------------------------------------------------------------
# safetensors

DTYPE_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
              "U8": 1, "BOOL": 1}


def js(obj):
    """Compact JSON, keys in insertion order."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def st_raw(header, data=b"", length=None):
    """8-byte little-endian length, the header bytes as given, then the data section."""
    if isinstance(header, str):
        header = header.encode("utf-8")
    n = len(header) if length is None else length
    return struct.pack("<Q", n) + header + data


def tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def pattern(n, seed=1):
    """n deterministic data bytes."""
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n))


def st_valid(tensors, metadata=None, pad=True, order=None):
    """A valid file: tensors [(name, dtype, shape)] laid out back to back; `order` lists the names
    in the order the header should name them (default: layout order)."""
    entries, offset = {}, 0
    for name, dtype, shape in tensors:
        size = numel(shape) * DTYPE_SIZE[dtype]
        entries[name] = tensor(dtype, shape, offset, offset + size)
        offset += size
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order or [t[0] for t in tensors]:
        header[name] = entries[name]
    text = js(header)
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return st_raw(text, pattern(offset))


def safetensors_seeds():
    s = {}
    w = tensor("F32", [2, 2], 0, 16)
    d16 = pattern(16)

    # Valid files.
    s["ok-empty.safetensors"] = st_raw(b"{}")
    s["ok-metadata-only.safetensors"] = st_valid([], metadata={"format": "pt", "note": "none"})
    s["ok-one-f32.safetensors"] = st_valid([("weight", "F32", [2, 2])])
    s["ok-all-dtypes.safetensors"] = st_valid(
        [("t_" + d.lower(), d, [3]) for d in DTYPE_SIZE], metadata={"format": "pt"})
    s["ok-scalar.safetensors"] = st_valid([("scale", "F32", [])])
    s["ok-zero-size-tensors.safetensors"] = st_valid(
        [("a", "F16", [0]), ("b", "F32", [4, 0, 2]), ("c", "I8", [2])])
    s["ok-zero-dim-big-prefix.safetensors"] = st_valid([("z", "BF16", [4294967296, 0])])
    s["ok-header-order-differs.safetensors"] = st_valid(
        [("first", "F32", [2]), ("second", "I64", [1]), ("third", "U8", [5])],
        order=["third", "first", "second"])
    s["ok-unpadded-header.safetensors"] = st_valid([("x", "I32", [3])], pad=False)
    s["ok-unicode-names.safetensors"] = st_valid(
        [("bloc.\u00e9t\u00e9.\u4e2d", "F16", [2]), ("emoji.\U0001F600", "U8", [1])],
        metadata={"\u00e9": "\u00fc"})
    s["ok-escaped-name.safetensors"] = st_raw(
        b'{"a\\u0000b\\n\\"q\\"":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', b"\x01\x02")
    s["ok-diffusers-like.safetensors"] = st_valid(
        [("down_blocks.0.attentions.0.proj_in.weight", "F16", [8, 4]),
         ("down_blocks.0.attentions.0.proj_in.bias", "F16", [8]),
         ("conv_in.weight", "BF16", [4, 2, 1, 1])],
        metadata={"format": "pt"})
    s["ok-whitespace-json.safetensors"] = st_raw(
        b'{ "w" :\n { "dtype" : "F32" ,\t"shape" : [ 1 ] , "data_offsets" : [ 0 , 4 ] } }\n  ',
        pattern(4))

    # Header length.
    s["bad-empty-file.safetensors"] = b""
    s["bad-short-file.safetensors"] = b"\x02\x00\x00\x00\x00"
    s["bad-header-len-past-eof.safetensors"] = st_raw(js({"w": w}), d16, length=4096)
    s["bad-header-len-over-cap.safetensors"] = st_raw(b"{}", length=100_000_001)
    s["bad-header-len-huge.safetensors"] = st_raw(b"{}", length=0xFFFFFFFFFFFFFFFF)
    s["bad-header-len-zero.safetensors"] = st_raw(b"", b"{}", length=0)
    s["bad-header-len-one.safetensors"] = st_raw(b"{", b"}", length=1)
    s["bad-pickle-zip.safetensors"] = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"archive/data.pkl"
    s["bad-pickle-protocol2.safetensors"] = b"\x80\x02}q\x00(X\x05\x00\x00\x00model.".ljust(24, b"\x00")

    # Header text.
    s["bad-not-brace-start.safetensors"] = st_raw(b'[{"w":1}]')
    s["bad-leading-space.safetensors"] = st_raw(b' {"w":' + js(w) + b"}", d16)
    s["bad-invalid-json.safetensors"] = st_raw(b'{"w":}')
    s["bad-truncated-json.safetensors"] = st_raw(b'{"w":{"dtype":"F32","shape":[2,2],"data_off')
    s["bad-trailing-garbage-in-header.safetensors"] = st_raw(js({"w": w}) + b"xyz", d16)
    s["bad-header-two-objects.safetensors"] = st_raw(b"{}{}")
    s["bad-invalid-utf8.safetensors"] = st_raw(
        b'{"w\xff":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', d16)
    s["bad-overlong-utf8.safetensors"] = st_raw(
        b'{"w\xc0\xaf":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', d16)
    s["bad-utf8-surrogate.safetensors"] = st_raw(
        b'{"w\xed\xa0\x80":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', d16)
    s["bad-lone-surrogate-escape.safetensors"] = st_raw(
        b'{"w\\ud800":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', d16)
    s["bad-raw-control-char.safetensors"] = st_raw(
        b'{"w\x01":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}', d16)
    s["bad-deep-nesting.safetensors"] = st_raw(
        b'{"__metadata__":' + b'{"a":' * 20 + b'"x"' + b"}" * 20 + b"}")
    s["bad-deep-nesting-huge.safetensors"] = st_raw(b'{"a":' + b"[" * 8000 + b"]" * 8000 + b"}")
    s["bad-duplicate-tensor.safetensors"] = st_raw(
        b'{"w":' + js(tensor("F32", [2], 0, 8)) + b',"w":' + js(tensor("F32", [2], 8, 16)) + b"}",
        d16)
    s["bad-duplicate-field.safetensors"] = st_raw(
        b'{"w":{"dtype":"F32","dtype":"F16","shape":[2,2],"data_offsets":[0,16]}}', d16)
    s["bad-duplicate-metadata-key.safetensors"] = st_raw(
        b'{"__metadata__":{"k":"a","k":"b"}}')

    # Tensor entries.
    s["bad-tensor-not-object.safetensors"] = st_raw(js({"w": ["F32", [2, 2], [0, 16]]}), d16)
    s["bad-empty-tensor-name.safetensors"] = st_raw(js({"": w}), d16)
    s["bad-unknown-field.safetensors"] = st_raw(
        js({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16], "stride": [2, 1]}}), d16)
    s["bad-missing-dtype.safetensors"] = st_raw(
        js({"w": {"shape": [2, 2], "data_offsets": [0, 16]}}), d16)
    s["bad-dtype-not-string.safetensors"] = st_raw(
        js({"w": {"dtype": 4, "shape": [2, 2], "data_offsets": [0, 16]}}), d16)
    s["bad-unknown-dtype.safetensors"] = st_raw(js({"w": tensor("F8_E4M3", [16], 0, 16)}), d16)
    s["bad-dtype-lowercase.safetensors"] = st_raw(js({"w": tensor("f32", [2, 2], 0, 16)}), d16)
    s["bad-dtype-complex.safetensors"] = st_raw(js({"w": tensor("C64", [2], 0, 16)}), d16)
    s["bad-missing-shape.safetensors"] = st_raw(
        js({"w": {"dtype": "F32", "data_offsets": [0, 16]}}), d16)
    s["bad-shape-not-array.safetensors"] = st_raw(
        js({"w": {"dtype": "F32", "shape": 4, "data_offsets": [0, 16]}}), d16)
    s["bad-negative-dim.safetensors"] = st_raw(js({"w": tensor("F32", [-2, -2], 0, 16)}), d16)
    s["bad-float-dim.safetensors"] = st_raw(
        b'{"w":{"dtype":"F32","shape":[2.0,2],"data_offsets":[0,16]}}', d16)
    s["bad-string-dim.safetensors"] = st_raw(js({"w": tensor("F32", ["2", 2], 0, 16)}), d16)
    s["bad-null-dim.safetensors"] = st_raw(js({"w": tensor("F32", [None, 2], 0, 16)}), d16)
    s["bad-nested-shape.safetensors"] = st_raw(js({"w": tensor("F32", [[2, 2]], 0, 16)}), d16)
    s["bad-huge-dim.safetensors"] = st_raw(js({"w": tensor("U8", [2**63], 0, 16)}), d16)
    s["bad-dim-beyond-uint64.safetensors"] = st_raw(
        b'{"w":{"dtype":"U8","shape":[100000000000000000000],"data_offsets":[0,16]}}', d16)
    s["bad-shape-product-overflow.safetensors"] = st_raw(
        js({"w": tensor("U8", [2**32, 2**32], 0, 16)}), d16)
    s["bad-shape-bytes-overflow.safetensors"] = st_raw(js({"w": tensor("F64", [2**62], 0, 16)}), d16)
    # Regression (finding 5, numel-overflow): 2^32 * 2^31 passes INT64_MAX before the 0 dim; the
    # parser once accepted this and TensorEntry::numel() overflowed int64 on the way to 0.
    s["bad-zero-dim-after-overflowing-prefix.safetensors"] = st_raw(
        js({"z": tensor("U8", [2**32, 2**31, 0], 0, 0)}))
    s["bad-missing-offsets.safetensors"] = st_raw(js({"w": {"dtype": "F32", "shape": [2, 2]}}), d16)
    s["bad-offsets-three-entries.safetensors"] = st_raw(
        js({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 8, 16]}}), d16)
    s["bad-offsets-not-array.safetensors"] = st_raw(
        js({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": {"begin": 0, "end": 16}}}), d16)
    s["bad-offsets-negative.safetensors"] = st_raw(js({"w": tensor("F32", [2, 2], -16, 0)}), d16)
    s["bad-offsets-float.safetensors"] = st_raw(
        b'{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16.0]}}', d16)
    s["bad-offsets-end-before-begin.safetensors"] = st_raw(js({"w": tensor("F32", [2, 2], 16, 0)}), d16)
    s["bad-offsets-past-data.safetensors"] = st_raw(js({"w": tensor("F32", [2, 2], 0, 16)}), d16[:8])
    s["bad-offsets-huge.safetensors"] = st_raw(
        js({"w": tensor("U8", [1], 2**64 - 2, 2**64 - 1)}), d16)
    s["bad-size-mismatch.safetensors"] = st_raw(js({"w": tensor("F32", [2, 3], 0, 16)}), d16)
    s["bad-size-mismatch-dtype.safetensors"] = st_raw(js({"w": tensor("F16", [2, 2], 0, 16)}), d16)

    # Layout of the data section.
    s["bad-overlap.safetensors"] = st_raw(
        js({"a": tensor("F32", [2, 2], 0, 16), "b": tensor("F32", [2], 8, 16)}), d16)
    # Regression (finding 6): a NUL in a quoted name once cut the message short; it reads \x00 now.
    s["bad-overlap-nul-in-name.safetensors"] = st_raw(
        js({"a\u0000b": tensor("F32", [2, 2], 0, 16), "c": tensor("F32", [2], 8, 16)}), d16)
    s["bad-overlap-same-range.safetensors"] = st_raw(
        js({"a": tensor("F32", [2], 0, 8), "b": tensor("F32", [2], 0, 8)}), d16[:8])
    s["bad-hole.safetensors"] = st_raw(
        js({"a": tensor("F32", [1], 0, 4), "b": tensor("F32", [2], 8, 16)}), d16)
    s["bad-leading-hole.safetensors"] = st_raw(js({"a": tensor("F32", [3], 4, 16)}), d16)
    s["bad-trailing-bytes.safetensors"] = st_raw(js({"a": tensor("F32", [2, 2], 0, 16)}), d16 + b"\0" * 8)
    s["bad-data-without-tensors.safetensors"] = st_raw(b"{}", b"\0" * 4)

    # __metadata__.
    s["bad-metadata-non-string.safetensors"] = st_raw(js({"__metadata__": {"epochs": 3}}))
    s["bad-metadata-null-value.safetensors"] = st_raw(js({"__metadata__": {"k": None}}))
    s["bad-metadata-nested-object.safetensors"] = st_raw(js({"__metadata__": {"k": {"x": "y"}}}))
    s["bad-metadata-not-object.safetensors"] = st_raw(js({"__metadata__": ["format", "pt"]}))
    s["bad-metadata-string.safetensors"] = st_raw(js({"__metadata__": "pt"}))
    return s


# ---------------------------------------------------------------------------------------------
# config.json

UNET_CONFIG = {
    "_class_name": "UNet3DConditionModel",
    "_diffusers_version": "0.30.0",
    "act_fn": "silu",
    "attention_head_dim": 64,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 1024,
    "down_block_types": ["CrossAttnDownBlock3D", "CrossAttnDownBlock3D",
                         "CrossAttnDownBlock3D", "DownBlock3D"],
    "in_channels": 4,
    "layers_per_block": 2,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 32,
    "up_block_types": ["UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D",
                       "CrossAttnUpBlock3D"],
}


def config_seeds():
    c = {}
    c["ok-unet-config.json"] = json.dumps(UNET_CONFIG, indent=2).encode() + b"\n"
    c["ok-transformers-config.json"] = js({
        "architectures": ["CLIPTextModel"], "hidden_size": 64, "num_hidden_layers": 2,
        "layer_norm_eps": 1e-05, "torch_dtype": "float16", "vocab_size": 1000})
    c["ok-empty-object.json"] = b"{}"
    c["ok-duplicate-keys-last-wins.json"] = b'{"sample_size": "x", "sample_size": 64}'
    c["ok-float-written-ints.json"] = b'{"sample_size": 64.0, "in_channels": 4e0, "block_out_channels": []}'
    c["ok-null-values.json"] = js({k: None for k in ["_class_name", "sample_size", "in_channels",
                                                     "block_out_channels", "down_block_types",
                                                     "norm_eps", "center_input_sample", "act_fn"]})
    c["ok-unicode.json"] = '{"act_fn": "\u00e9\u4e2d\U0001F600", "name": "\\u00e9\\ud83d\\ude00"}'.encode()
    c["ok-bom.json"] = b"\xef\xbb\xbf" + js({"sample_size": 8})
    c["ok-deep-nesting-unread.json"] = b'{"nested": ' + b"[" * 60 + b"]" * 60 + b"}"
    c["ok-big-numbers-unread.json"] = b'{"big": 1e308, "tiny": 5e-324, "neg": -9223372036854775808}'
    c["ok-negative-int.json"] = js({"sample_size": -1, "in_channels": -9223372036854775808})
    c["ok-bookkeeping-keys.json"] = js({"_class_name": "X", "_name_or_path": "a/b", "_commit": "0"})
    c["ok-empty-key.json"] = b'{"": 1, "sample_size": 2}'
    # Integer lists accept exact floats too, like the single integers above.
    c["ok-float-written-int-list.json"] = js({"block_out_channels": [320, 640.0]})

    c["bad-not-object-array.json"] = b"[1, 2, 3]"
    c["bad-not-object-string.json"] = b'"UNet3DConditionModel"'
    c["bad-not-object-number.json"] = b"42"
    c["bad-not-object-null.json"] = b"null"
    c["bad-empty-file.json"] = b""
    c["bad-whitespace-only.json"] = b" \n\t "
    c["bad-invalid-json.json"] = b'{"sample_size": }'
    c["bad-truncated.json"] = json.dumps(UNET_CONFIG).encode()[:77]
    c["bad-trailing-garbage.json"] = b'{"sample_size": 64} trailing'
    c["bad-trailing-comma.json"] = b'{"sample_size": 64,}'
    c["bad-invalid-utf8.json"] = b'{"act_fn": "sil\xff"}'
    c["bad-invalid-utf8-outside-string.json"] = b'{"act_fn": \xff}'
    c["bad-lone-surrogate-escape.json"] = b'{"act_fn": "\\udc00"}'
    c["bad-comment.json"] = b'// diffusers config\n{"sample_size": 64}'
    c["bad-single-quotes.json"] = b"{'sample_size': 64}"
    c["bad-nan.json"] = b'{"norm_eps": NaN}'
    c["bad-infinity.json"] = b'{"norm_eps": Infinity}'
    c["bad-deep-nesting.json"] = b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}"
    c["bad-deep-nesting-huge.json"] = b'{"a": ' + b"[" * 8000 + b"]" * 8000 + b"}"
    c["bad-huge-float-overflow.json"] = b'{"norm_eps": 1e400}'
    c["bad-huge-int-as-float.json"] = b'{"sample_size": 100000000000000000000}'
    c["bad-int-not-exact.json"] = b'{"sample_size": 64.5}'
    c["bad-int-list-element-not-exact.json"] = js({"block_out_channels": [320, 640.5]})
    # Regression (finding 1, config-int-wrap): nlohmann keeps integers above INT64_MAX unsigned;
    # requireInt once read 18446744073709551615 as -1, and requireIntList wrapped the same way.
    c["bad-int-above-int64.json"] = b'{"sample_size": 18446744073709551615}'
    c["bad-int-list-element-above-int64.json"] = b'{"block_out_channels": [320, 9223372036854775808]}'
    c["bad-wrong-type-int-string.json"] = js({"sample_size": "64"})
    c["bad-wrong-type-int-bool.json"] = js({"in_channels": True})
    c["bad-wrong-type-list-not-array.json"] = js({"block_out_channels": 320})
    c["bad-wrong-type-list-element.json"] = js({"block_out_channels": [320, "640"]})
    c["bad-wrong-type-string-list-element.json"] = js({"down_block_types": ["DownBlock3D", 3]})
    c["bad-wrong-type-double-string.json"] = js({"norm_eps": "1e-5"})
    c["bad-wrong-type-bool-int.json"] = js({"center_input_sample": 1})
    c["bad-wrong-type-string-number.json"] = js({"_class_name": 3})
    c["bad-wrong-type-string-object.json"] = js({"act_fn": {"name": "silu"}})
    return c


# ---------------------------------------------------------------------------------------------
# snapshot (tests/fuzz/snapshot_input.h)

SEP = b"\n--mp--\n"
SHARDED, BOTH, VARIANT_NAMES, COMPONENT, EXTRA, INSPECT_VARIANT, PICKLE, EMPTY_FOR_MISSING = (
    1 << i for i in range(8))

PIPELINE_INDEX = {
    "_class_name": "TextToVideoSDPipeline",
    "_diffusers_version": "0.30.0",
    "scheduler": ["diffusers", "DDIMScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "unet": ["diffusers", "UNet3DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}
UNET_SMALL = js({"_class_name": "UNet3DConditionModel", "sample_size": 8, "in_channels": 4,
                 "block_out_channels": [8, 16]})
UNET_WEIGHTS = st_valid([("conv_in.weight", "F32", [2, 1]), ("conv_in.bias", "F16", [2])])
SHARD1 = st_valid([("conv_in.weight", "F32", [2, 1])])
SHARD2 = st_valid([("conv_in.bias", "F16", [2])])


def shard_index(v="", weight_map=None):
    prefix = "diffusion_pytorch_model" + (".fp16" if v else "")
    if weight_map is None:
        weight_map = {"conv_in.weight": prefix + "-00001-of-00002.safetensors",
                      "conv_in.bias": prefix + "-00002-of-00002.safetensors"}
    return js({"metadata": {"total_size": 12}, "weight_map": weight_map})


def snap(flags, *parts):
    """flags byte, then the parts (None: leave the part out; only trailing parts can be left out)."""
    out = bytes([flags])
    present = list(parts)
    while present and present[-1] is None:
        present.pop()
    if any(p is None for p in present):
        raise ValueError("only trailing parts can be omitted")
    return out + SEP.join(present)


def snapshot_seeds():
    n = {}
    idx = js(PIPELINE_INDEX)
    n["ok-pipeline.snap"] = snap(EXTRA, idx, UNET_SMALL, UNET_WEIGHTS)
    n["ok-pipeline-sharded.snap"] = snap(EXTRA | SHARDED, idx, UNET_SMALL, SHARD1, shard_index(), SHARD2)
    # The single file wins over the index; the index is still opened on its own.
    n["ok-pipeline-single-and-index.snap"] = snap(
        EXTRA | SHARDED | BOTH, idx, UNET_SMALL, SHARD1, shard_index(), SHARD2)
    n["ok-pipeline-fp16-variant.snap"] = snap(EXTRA | VARIANT_NAMES | INSPECT_VARIANT, idx, UNET_SMALL,
                                              UNET_WEIGHTS)
    n["ok-pipeline-fp16-sharded.snap"] = snap(
        EXTRA | VARIANT_NAMES | INSPECT_VARIANT | SHARDED, idx, UNET_SMALL, SHARD1,
        shard_index("fp16"), SHARD2)
    n["ok-pipeline-only-variant-present.snap"] = snap(EXTRA | VARIANT_NAMES, idx, UNET_SMALL,
                                                      UNET_WEIGHTS)
    n["ok-pipeline-optional-null-component.snap"] = snap(
        EXTRA, js(dict(PIPELINE_INDEX, safety_checker=[None, None], requires_safety_checker=True)),
        UNET_SMALL, UNET_WEIGHTS)
    n["ok-component.snap"] = snap(COMPONENT, b"", UNET_SMALL, UNET_WEIGHTS)
    n["ok-component-sharded.snap"] = snap(COMPONENT | SHARDED, b"", UNET_SMALL, SHARD1, shard_index(), SHARD2)
    n["ok-component-transformers.snap"] = snap(
        COMPONENT, b"", js({"architectures": ["CLIPTextModel"], "hidden_size": 8}),
        st_valid([("text_model.embeddings.weight", "F16", [4, 2])]))
    n["ok-component-latte.snap"] = snap(
        COMPONENT, b"", js({"_class_name": "LatteTransformer3DModel"}), UNET_WEIGHTS)
    # Regression (finding 3, snapshot-throws): a non-string _diffusers_version once made
    # inspectSnapshot throw; now it is a warning and the pipeline inspects without errors.
    n["ok-pipeline-version-not-string.snap"] = snap(
        EXTRA, js(dict(PIPELINE_INDEX, _diffusers_version=[])), UNET_SMALL, UNET_WEIGHTS)
    n["ok-component-cogvideox-5b.snap"] = snap(
        COMPONENT, b"", js({"_class_name": "CogVideoXTransformer3DModel", "num_attention_heads": 48,
                            "num_layers": 42}), UNET_WEIGHTS)

    n["bad-empty-input.snap"] = b""
    n["bad-flags-only.snap"] = bytes([EXTRA])
    n["bad-model-index-invalid-json.snap"] = snap(EXTRA, b'{"_class_name": ', UNET_SMALL, UNET_WEIGHTS)
    n["bad-model-index-not-object.snap"] = snap(EXTRA, b'["unet"]', UNET_SMALL, UNET_WEIGHTS)
    n["bad-model-index-no-class.snap"] = snap(
        EXTRA, js({k: v for k, v in PIPELINE_INDEX.items() if k != "_class_name"}), UNET_SMALL, UNET_WEIGHTS)
    n["bad-model-index-unknown-pipeline.snap"] = snap(
        0, js({"_class_name": "StableDiffusionPipeline"}), UNET_SMALL, UNET_WEIGHTS)
    n["bad-family-mismatch.snap"] = snap(EXTRA, js(dict(PIPELINE_INDEX, _class_name="LattePipeline")),
                                         UNET_SMALL, UNET_WEIGHTS)
    n["bad-missing-components.snap"] = snap(0, idx, UNET_SMALL, UNET_WEIGHTS)
    n["bad-component-name-traversal.snap"] = snap(
        EXTRA, js(dict(PIPELINE_INDEX, **{"../unet": ["diffusers", "UNet3DConditionModel"]})),
        UNET_SMALL, UNET_WEIGHTS)
    n["bad-component-entry-not-pair.snap"] = snap(EXTRA, js(dict(PIPELINE_INDEX, vae=["diffusers"])),
                                                  UNET_SMALL, UNET_WEIGHTS)
    n["bad-component-entry-not-strings.snap"] = snap(EXTRA, js(dict(PIPELINE_INDEX, vae=["diffusers", 7])),
                                                     UNET_SMALL, UNET_WEIGHTS)
    n["bad-unet-config-invalid-json.snap"] = snap(EXTRA, idx, b'{"_class_name": "UNet3D', UNET_WEIGHTS)
    n["bad-unet-config-missing.snap"] = snap(EXTRA | EMPTY_FOR_MISSING, idx)
    n["bad-unet-weights-missing.snap"] = snap(EXTRA, idx, UNET_SMALL)
    n["bad-unet-weights-empty-file.snap"] = snap(EXTRA | EMPTY_FOR_MISSING, idx, UNET_SMALL)
    n["bad-unet-weights-overlap.snap"] = snap(
        EXTRA, idx, UNET_SMALL,
        st_raw(js({"a": tensor("F32", [2, 2], 0, 16), "b": tensor("F32", [2], 8, 16)}), pattern(16)))
    n["bad-unet-weights-unknown-dtype.snap"] = snap(
        EXTRA, idx, UNET_SMALL, st_raw(js({"w": tensor("F8_E4M3", [16], 0, 16)}), pattern(16)))
    n["bad-pickle-only.snap"] = snap(EXTRA | PICKLE, idx, UNET_SMALL)
    n["bad-variant-requested-no-weights.snap"] = snap(EXTRA | INSPECT_VARIANT, idx, UNET_SMALL)
    n["bad-index-missing-shard.snap"] = snap(EXTRA | SHARDED, idx, UNET_SMALL, SHARD1, shard_index())
    n["bad-index-path-traversal.snap"] = snap(
        EXTRA | SHARDED, idx, UNET_SMALL, SHARD1,
        shard_index(weight_map={"conv_in.weight": "diffusion_pytorch_model-00001-of-00002.safetensors",
                                "conv_in.bias": "../unet/diffusion_pytorch_model-00002-of-00002.safetensors"}),
        SHARD2)
    n["bad-index-pickle-shard.snap"] = snap(
        EXTRA | SHARDED, idx, UNET_SMALL, SHARD1,
        shard_index(weight_map={"conv_in.weight": "diffusion_pytorch_model-00001-of-00002.safetensors",
                                "conv_in.bias": "pytorch_model.bin"}), SHARD2)
    # The first shard holds both tensors; the index lists one.
    n["bad-index-unlisted-tensor.snap"] = snap(
        EXTRA | SHARDED, idx, UNET_SMALL, UNET_WEIGHTS,
        shard_index(weight_map={"conv_in.weight": "diffusion_pytorch_model-00001-of-00002.safetensors"}),
        SHARD2)
    n["bad-index-wrong-shard.snap"] = snap(
        EXTRA | SHARDED, idx, UNET_SMALL, SHARD1,
        shard_index(weight_map={"conv_in.weight": "diffusion_pytorch_model-00002-of-00002.safetensors",
                                "conv_in.bias": "diffusion_pytorch_model-00002-of-00002.safetensors"}),
        SHARD2)
    n["bad-index-empty-weight-map.snap"] = snap(EXTRA | SHARDED, idx, UNET_SMALL, SHARD1,
                                                js({"weight_map": {}}), SHARD2)
    n["bad-index-not-object.snap"] = snap(EXTRA | SHARDED, idx, UNET_SMALL, SHARD1, b"[]", SHARD2)
    n["bad-index-shard-not-string.snap"] = snap(EXTRA | SHARDED, idx, UNET_SMALL, SHARD1,
                                                js({"weight_map": {"conv_in.weight": 1}}), SHARD2)
    n["bad-index-duplicate-key.snap"] = snap(
        EXTRA | SHARDED, idx, UNET_SMALL, SHARD1,
        b'{"weight_map": {"conv_in.weight": "a.safetensors", "conv_in.weight": "b.safetensors"}}', SHARD2)
    n["bad-component-config-no-class.snap"] = snap(COMPONENT, b"", js({"sample_size": 8}), UNET_WEIGHTS)
    n["bad-component-config-not-object.snap"] = snap(COMPONENT, b"", b"[]", UNET_WEIGHTS)
    n["bad-component-architectures-not-strings.snap"] = snap(
        COMPONENT, b"", js({"architectures": [1]}), UNET_WEIGHTS)
    n["bad-empty-files.snap"] = snap(EXTRA | EMPTY_FOR_MISSING | SHARDED | BOTH, b"")
    # Regressions: the minimized fuzzer crashers, byte for byte.
    # Finding 2 (snapshot-json-utf8): model_index.json is the single byte 0xFF. The parse error
    # quotes it, and toJson(info).dump() threw on the invalid UTF-8 until it used the replace handler.
    n["bad-model-index-not-utf8.snap"] = bytes([SHARDED | BOTH | INSPECT_VARIANT | PICKLE]) + b"\xff"
    # Finding 3 (snapshot-throws): model_index.json holds only a non-string _diffusers_version.
    # Errors for the missing class; the version is a warning; inspectSnapshot no longer throws.
    n["bad-model-index-version-not-string.snap"] = snap(EXTRA, b'{"_diffusers_version":[]}')
    # Finding 4: component names are checked without std::regex now, and names over 128
    # characters are refused (tst_snapshot's "index-huge-name" row has the 100 KB name that once
    # overflowed the stack; it is too big for the seed budget).
    n["bad-component-name-too-long.snap"] = snap(
        EXTRA, js(dict(PIPELINE_INDEX, **{"a" * 129: ["diffusers", "AutoencoderKL"]})),
        UNET_SMALL, UNET_WEIGHTS)
    return n


# ---------------------------------------------------------------------------------------------

# Regression seeds for finding 7 (untrusted names quoted raw in messages: an ESC sequence reached
# the terminal, a NUL cut the message short). Kept as the exact bytes that showed the defect.
REGRESSION_BYTES = {
    ('safetensors', 'bad-dtype-name-control-bytes.safetensors'): b'@\x00\x00\x00\x00\x00\x00\x00{"w":{"dtype":"F32\\u001b[2J","shape":[4],"data_offsets":[0,16]}}\x1f&-4;BIPW^elsz\x81\x88',
    ('snapshot', 'bad-index-tensor-name-nul.snap'): b'\x11{"_class_name":"TextToVideoSDPipeline","_diffusers_version":"0.30.0","scheduler":["diffusers","DDIMScheduler"],"text_encoder":["transformers","CLIPTextModel"],"tokenizer":["transformers","CLIPTokenizer"],"unet":["diffusers","UNet3DConditionModel"],"vae":["diffusers","AutoencoderKL"]}\n--mp--\n{"_class_name":"UNet3DConditionModel","sample_size":8,"in_channels":4,"block_out_channels":[8,16]}\n--mp--\nH\x00\x00\x00\x00\x00\x00\x00{"conv_in.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}   \x1f&-4;BIP\n--mp--\n{"weight_map": {"conv_in.weight": "diffusion_pytorch_model-00001-of-00002.safetensors", "conv_in.bias": "diffusion_pytorch_model-00002-of-00002.safetensors", "x\\u0000\\u001b[2J": "diffusion_pytorch_model-00001-of-00002.safetensors"}}\n--mp--\nH\x00\x00\x00\x00\x00\x00\x00{"conv_in.bias":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}       \x1f&-4',
    ('snapshot', 'bad-pipeline-class-control-bytes.snap'): b'\x00{"_class_name":"Evil\\u001b[2J"}\n--mp--\n{"_class_name":"UNet3DConditionModel","sample_size":8,"in_channels":4,"block_out_channels":[8,16]}\n--mp--\n\x88\x00\x00\x00\x00\x00\x00\x00{"conv_in.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},"conv_in.bias":{"dtype":"F16","shape":[2],"data_offsets":[8,12]}}  \x1f&-4;BIPW^el',
}


def generate():
    corpus = {"safetensors": safetensors_seeds(), "config": config_seeds(), "snapshot": snapshot_seeds()}
    for (kind, name), data in REGRESSION_BYTES.items():
        corpus[kind][name] = data
    return corpus


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="corpus root (default: tests/data/fuzz)")
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args()

    corpus = generate()
    total = sum(len(b) for files in corpus.values() for b in files.values())
    if total > TOTAL_LIMIT:
        sys.exit(f"corpus is {total} bytes, above the {TOTAL_LIMIT}-byte budget")
    for kind, files in corpus.items():
        for name in files:
            if not (name.startswith("ok-") or name.startswith("bad-")) or name.startswith("bad-found-"):
                sys.exit(f"{kind}/{name}: seed names start with ok- or bad- (bad-found-* is reserved)")

    problems = []
    for kind, files in corpus.items():
        folder = os.path.join(args.out, kind)
        existing = set(os.listdir(folder)) if os.path.isdir(folder) else set()
        stale = sorted(n for n in existing - set(files) if not n.startswith("bad-found-"))
        if args.check:
            for name, data in sorted(files.items()):
                path = os.path.join(folder, name)
                if not os.path.isfile(path):
                    problems.append(f"missing {kind}/{name}")
                else:
                    with open(path, "rb") as f:
                        if f.read() != data:
                            problems.append(f"differs {kind}/{name}")
            problems += [f"not generated {kind}/{n}" for n in stale]
            continue
        os.makedirs(folder, exist_ok=True)
        for name in stale:
            os.remove(os.path.join(folder, name))
        for name, data in sorted(files.items()):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)

    if args.check:
        for p in problems:
            print(p)
        sys.exit(1 if problems else 0)
    counts = ", ".join(f"{k}: {len(v)}" for k, v in corpus.items())
    print(f"wrote {sum(len(v) for v in corpus.values())} seeds ({counts}), {total} bytes, to {args.out}")


if __name__ == "__main__":
    main()
