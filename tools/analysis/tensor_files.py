"""Pure-Python helpers the analysis scripts share (no numpy, no torch): safetensors files in the
layout `motionprobe-cli run-component` reads and writes, and the toy tokenizer's ids for
captions whose every word is one token of its vocabulary."""

import json
import struct

DTYPES = {"F32": "f", "F16": "e", "I64": "q"}


def write_safetensors(path, tensors):
    """tensors: name -> (dtype, shape, flat values)."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, values) in tensors.items():
        blob = struct.pack("<%d%s" % (len(values), DTYPES[dtype]), *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    """name -> (shape, flat values)."""
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        code = DTYPES[info["dtype"]]
        count = (end - begin) // struct.calcsize(code)
        out[name] = (info["shape"], struct.unpack("<%d%s" % (count, code), data[8 + n + begin:8 + n + end]))
    return out


def caption_ids(vocab, text, length=77):
    """The CLIP ids of a caption of whole-word tokens: start, words, end, padded with end."""
    end = vocab["<|endoftext|>"]
    words = [vocab["<|startoftext|>"]] + [vocab[w + "</w>"] for w in text.split()] + [end]
    return words + [end] * (length - len(words))
