#!/usr/bin/python3
"""Reference answers from SentencePiece itself (python3-sentencepiece 0.1.97), for
tests/unit/tokenize/sentencepiece_test.cpp. Called by make_sentencepiece_reference.sh:

  make_sentencepiece_reference.py reference MODEL LINES OUT_TSV [EVERY [DECODE_CASES]]
  make_sentencepiece_reference.py unused IN_MODEL OUT_MODEL
  make_sentencepiece_reference.py nbest MODEL LINES OUT_TSV N [EVERY_BIG BIG_N]

  make_sentencepiece_reference.py lines HELDOUT_TXT OUT_LINES

`lines` writes the test lines, one per line, escaped: the held-out lines, each cut after its
first sentence (at most 200 bytes, at a character boundary) to keep the answers small, then the
hand-written hostile lines. Escapes: \\ \t \n \r, other bytes < 0x20 and invalid UTF-8 bytes
as \\xHH.
`reference` writes one line per case (held-out lines: only every EVERY-th, the others are a row
`-`; then DECODE_CASES decode cases, 200 unless told), tab-separated:
  E <ids> <offsets> <decode(ids)>   encode case k (line k of OUT_LINES); offsets are
                                    SentencePiece's byte offsets: `end` when the piece begins
                                    where the previous one ended (0 for the first), else
                                    `begin:end`; decode is `=` when equal to the line itself,
                                    `=+X` for the line followed by X, else `~` and the text
  D <ids> <decode(ids)>             a decode case (random ids, any piece type)
Offsets come from the serialized SentencePieceText (Python's immutable proto reports code points).
`nbest` writes SentencePiece's n-best segmentations (NBestEncode, Unigram models): for every line
its N best, and for every EVERY_BIG-th line its BIG_N best, one row per segmentation:
  <line index> <n asked> <rank> <score> <ids>   (tab-separated; score as Python's repr of the float)
`unused` marks some merged BPE pieces UNUSED (type 5), by editing the protobuf wire format.
"""
import random
import sys

import sentencepiece as spm


def varint(data, pos):
    value, shift = 0, 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos


def fields(data):
    """(field number, wire type, value or bytes, raw bytes of the whole field) of a message."""
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(data, pos)
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError("wire type %d" % wire)
        yield number, wire, value, data[start:pos]


def encode_varint(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def escape(data):
    out = []
    text = data.decode("utf-8", errors="surrogateescape")
    for ch in text:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02X" % o)
        elif 0xDC80 <= o <= 0xDCFF:  # an invalid byte, kept by surrogateescape
            out.append("\\x%02X" % (o - 0xDC00))
        else:
            out.append(ch)
    return "".join(out)


HOSTILE = [
    "", " ", "   ", "\t", "a\tb", "  leading and trailing  ", "many     spaces   between",
    "ｈｅｌｌｏ ｗｏｒｌｄ", "ﬁne ﬂour ﬃ", "Ⅻ ㎏ ½ ²³ ℌ", "e\u0301te\u0301 cafe\u0301 a\u0308\u0304",
    "Привет, мир! Москва", "日本語のテキスト、東京。", "中文字符和English混合", "한국어 텍스트",
    "emoji 😀🎉👍🏽 family 👨‍👩‍👧", "ZWJ\u200dand\u200bzero\u00a0nbsp\u3000ideo",
    "Ωμέγα ελληνικά", "עברית and العربية", "₂₃ ⁴ ⓐⓑ", "¿Qué? ¡Sí!", "\u2581already escaped\u2581",
    "\u2585 block", "x" * 300, "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4,
    "1234567890 3.14159 2024-01-01", "<sep> a<sep>b <cls> <s> </s> <unk> @@x http://x.org",
    "tab\tand\nnewline", "nul\x00byte", "\x01\x02 control", "a  b\t\tc \u3000 d",
    "The quick brown fox jumps over the lazy dog.", "UPPER lower MiXeD", "'quotes' \"double\" `back`",
    "\ufffd replacement", "\U0010FFFF max", "a\u0300\u0301\u0302\u0303 stacked",
]
HOSTILE_BYTES = [b"bad \xff byte", b"\xc3 truncated", b"\xe2\x82 two of three", b"\xed\xa0\x80 surrogate",
                 b"\xc0\xaf overlong", b"\xf4\x90\x80\x80 too big", b"\x80\x80 continuation"]


def serialized_pieces(proto):
    pieces = []
    for number, _, value, _ in fields(proto):
        if number == 2:
            piece = {}
            for n, _, v, _ in fields(value):
                piece[n] = v
            pieces.append((piece.get(2, 0), piece.get(4, 0), piece.get(5, 0)))
    return pieces


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        code = text[i + 1]
        if code == "x":
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
            continue
        out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r"}[code]
        i += 2
    return bytes(out)


def first_sentence(line):
    cut = line.find(b". ", 60)
    if cut >= 0:
        line = line[:cut + 1]
    if len(line) > 200:
        end = 200
        while end > 0 and (line[end] & 0xC0) == 0x80:
            end -= 1
        line = line[:end]
    return line


def make_lines(heldout, out):
    with open(heldout, "rb") as f:
        lines = [first_sentence(line.rstrip(b"\n")) for line in f]
    lines += [s.encode("utf-8") for s in HOSTILE] + HOSTILE_BYTES
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(escape(line) + "\n" for line in lines))


def reference(model, lines_file, out, every=1, decode_cases=200):
    sp = spm.SentencePieceProcessor(model_file=model)
    with open(lines_file, encoding="utf-8") as f:
        lines = [unescape(line.rstrip("\n")) for line in f]
    rows = []
    heldout_count = len(lines) - len(HOSTILE) - len(HOSTILE_BYTES)
    for index, line in enumerate(lines):
        if index < heldout_count and index % every != 0:
            rows.append("-")
            continue
        proto = sp.encode_as_serialized_proto(line)
        pieces = serialized_pieces(proto)
        ids = [p[0] for p in pieces]
        assert ids == sp.encode(line, out_type=int), line
        decoded = sp.decode(ids).encode("utf-8")
        offsets, previous_end = [], 0
        for _, begin, end in pieces:
            offsets.append("%d" % end if begin == previous_end else "%d:%d" % (begin, end))
            previous_end = end
        if decoded == line:
            decoded_field = "="
        elif decoded.startswith(line):
            decoded_field = "=+" + escape(decoded[len(line):])
        else:
            decoded_field = "~" + escape(decoded)
        rows.append("\t".join(["E", " ".join(map(str, ids)), " ".join(offsets), decoded_field]))
    rng = random.Random(18)
    size = sp.get_piece_size()
    for _ in range(decode_cases):
        ids = [rng.randrange(size) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.3:  # runs of byte pieces, which decode as UTF-8 together
            ids = [rng.randrange(size) for _ in range(2)] + [sp.piece_to_id("<0x%02X>" % rng.randrange(256))
                                                             for _ in range(rng.randint(1, 5))]
            ids = [i if i >= 0 else 0 for i in ids]
        rows.append("\t".join(["D", " ".join(map(str, ids)), escape(sp.decode(ids).encode("utf-8"))]))
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(rows) + "\n")


def nbest(model, lines_file, out, n, every_big=0, big_n=0):
    sp = spm.SentencePieceProcessor(model_file=model)
    with open(lines_file, encoding="utf-8") as f:
        lines = [unescape(line.rstrip("\n")) for line in f]
    rows = []
    for index, line in enumerate(lines):
        asks = [n] + ([big_n] if every_big and index % every_big == 0 else [])
        for ask in asks:
            result = sp.nbest_encode_as_immutable_proto(line, nbest_size=ask)
            for rank, hyp in enumerate(result.nbests):
                ids = [p.id for p in hyp.pieces]
                assert ids == sp.nbest_encode_as_ids(line, nbest_size=ask)[rank], line
                rows.append("\t".join([str(index), str(ask), str(rank), repr(hyp.score), " ".join(map(str, ids))]))
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(rows) + "\n")


def unused(model_in, model_out):
    with open(model_in, "rb") as f:
        data = f.read()
    out = bytearray()
    index = 0
    for number, wire, value, raw in fields(data):
        if number == 1 and wire == 2:
            piece = {n: v for n, _, v, _ in fields(value)}
            text = piece[1].decode("utf-8")
            normal = piece.get(3, 1) == 1
            # Every 5th merged piece of 2+ characters among the first merges (intermediate steps
            # of many words) becomes UNUSED.
            if normal and len(text) >= 2 and index % 5 == 0 and index < 600:
                body = b"".join(r for n, _, _, r in fields(value) if n != 3) + b"\x18\x05"
                raw = b"\x0a" + encode_varint(len(body)) + body
            index += 1
        out += raw
    with open(model_out, "wb") as f:
        f.write(bytes(out))
    spm.SentencePieceProcessor(model_file=model_out)  # must still load


if __name__ == "__main__":
    if sys.argv[1] == "lines":
        make_lines(*sys.argv[2:4])
    elif sys.argv[1] == "reference":
        reference(*sys.argv[2:5], *map(int, sys.argv[5:7]))
    elif sys.argv[1] == "nbest":
        nbest(*sys.argv[2:5], *map(int, sys.argv[5:8]))
    elif sys.argv[1] == "unused":
        unused(*sys.argv[2:4])
    else:
        sys.exit("usage: see the module comment")
