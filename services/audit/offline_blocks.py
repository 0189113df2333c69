"""The offline verifier's full check of entries.jsonl on several processes, in blocks (``verify-export --jobs N``).

Each line's own checks need nothing but the line and the chain hash of the line before it, which the file holds.
So the file is cut into blocks of whole lines (only the line at each cut is read here), and worker processes read
and check blocks at once — position, format, leaf hash, and chain hash from the line before, as the tight loop of
``offline.Walk.run`` does — each returning the leaf and chain hashes of the lines it accepted, up to the first it
does not. A block's first line is hashed there too, but its chain is checked here, from the chain verified before
it. This process then folds the hashes, in order, into the Merkle tree and checks each signed checkpoint on the
way; the line a worker did not accept, and the rest of its block, are read again and checked here line by line by
the walk itself (which accepts an unusual line, such as an event in base64, or names what is wrong with it). So
every check is made, the first bad entry is named as the serial walk names it, and only the hashes of at most
``2 × jobs`` blocks are held in memory, whatever the export's size.

Standard library only, like ``offline.py``.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from services.audit.offline import Walk

BLOCK = 1 << 23  # bytes of whole lines a worker checks at once (~10,000 entries of this system)
RECORD = 64  # a line's leaf hash and chain hash


def check_block(block: bytes, position: int, previous: bytes | None) -> bytes:
    """The leaf and chain hashes (64 bytes a line) of the lines of ``block`` that pass, in order, the first at
    ``position`` following the chain hash ``previous`` (None: the first line's chain hash is taken as written, for
    the caller to check); it stops at the first line that does not pass."""
    sha, hexlify, records = hashlib.sha256, binascii.hexlify, []
    for text in block.split(b"\n")[:-1]:  # whole lines only: a last line without its end is left to the caller
        head = b'{"position":%d,"leaf_hash":"' % position
        at = len(head)
        if (not text.startswith(head) or text[-1:] != b"}" or text[at + 64:at + 80] != b'","chain_hash":"'
                or text[at + 144:at + 154] != b'","event":'):
            break
        leaf = sha(b"\x00" + text[at + 154:-1]).digest()
        chain = sha(previous + leaf).digest() if previous is not None else _written(text[at + 80:at + 144])
        if hexlify(leaf) != text[at:at + 64] or hexlify(chain) != text[at + 80:at + 144]:
            break
        records += (leaf, chain)
        previous, position = chain, position + 1
    return b"".join(records)


def _written(digits: bytes) -> bytes:
    try:
        return binascii.unhexlify(digits)
    except binascii.Error:
        return b""


_FIRST = re.compile(rb'\{"position":([1-9][0-9]{0,18}),')


def check_span(path: str, start: int, end: int) -> tuple[int, int, bytes]:
    """A worker's task: reads bytes ``start``..``end`` of the file (whole lines) and checks them (``check_block``,
    the first line's chain left to the caller); returns the first line's position, the number of lines and the
    hashes of the lines accepted."""
    with open(path, "rb") as file:
        file.seek(start)
        block = file.read(end - start)
    lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    first = _FIRST.match(block)
    if first is None:
        return 0, lines, b""
    position = int(first[1])
    return position, lines, check_block(block, position, None)


@dataclass
class _Span:
    """A block handed to a worker: where it lies in the file, and the worker's answer."""

    start: int
    end: int
    result: Future[tuple[int, int, bytes]]


def walk_blocks(walk: Walk, path: Path, jobs: int, block: int = BLOCK) -> str:
    """Runs ``walk`` (at the start of a full verification) over ``path`` with ``jobs`` worker processes; returns
    why it fails (empty if every line holds)."""
    with path.open("rb") as file, ProcessPoolExecutor(jobs) as pool:
        pending: deque[_Span] = deque()
        spans, number = _spans(file, block), 0
        while True:
            while len(pending) < 2 * jobs and (span := next(spans, None)) is not None:
                pending.append(_Span(*span, pool.submit(check_span, str(path), *span)))
            if not pending:
                return ""
            span = pending.popleft()
            failure, lines = _fold(walk, file, span, number)
            if failure:
                pool.shutdown(cancel_futures=True)
                return failure
            number += lines


def _spans(file: BinaryIO, size: int) -> Iterator[tuple[int, int]]:
    """Cuts the file into blocks of about ``size`` bytes of whole lines; reads only the line at each cut."""
    length, start = os.fstat(file.fileno()).st_size, 0
    while start < length:
        end = min(start + size, length)
        if end < length:
            file.seek(end - 1)
            end += len(file.readline()) - 1  # to the end of the line the cut falls in
        yield start, end
        start = end


def _fold(walk: Walk, file: BinaryIO, span: _Span, number: int) -> tuple[str, int]:
    """Grows the tree from the block's accepted lines, checking checkpoints, then checks the rest of it line by line;
    returns why it fails (empty if it holds) and the block's number of lines."""
    position, lines, records = span.result.result()
    sha = hashlib.sha256
    if records and (position != walk.position + 1 or sha(walk.previous + records[:32]).digest() != records[32:64]):
        records = b""  # the block's first line does not follow the chain verified: check the block here
    tree, frontier = walk.tree, walk.tree.frontier
    position, stop = walk.position, walk.next_stop()
    for at in range(0, len(records), RECORD):
        node, size = records[at:at + 32], tree.size
        while size & 1:  # Tree.append, inline
            node = sha(b"\x01" + frontier.pop() + node).digest()
            size >>= 1
        frontier.append(node)
        tree.size += 1
        position += 1
        if position == stop:
            walk.previous, walk.position = records[at + 32:at + RECORD], position
            failure = walk.at_checkpoint()
            if failure:
                return failure, lines
            stop = walk.next_stop()
    if records:
        walk.previous, walk.position = records[-32:], position
    accepted = len(records) // RECORD
    if accepted == lines:
        return "", lines
    file.seek(span.start)
    rest = file.read(span.end - span.start).split(b"\n")[accepted:]
    texts = [text + b"\n" for text in rest[:-1]] + ([rest[-1]] if rest[-1] else [])
    return walk.run(enumerate(texts, start=number + accepted + 1)), lines
