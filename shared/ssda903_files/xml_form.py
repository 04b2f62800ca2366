"""The XML form of the return (EXPSSDA903), read as a stream with the standard library's expat parser.

Each CHILD element holds a HEADER (with CHILDID, SEX, DOB, ETHNIC, UASC ...) and its EPISODEs (with PL where the
CSV says PLACE). A row's reference is the line of its HEADER or EPISODE element, as the parser reports it; in a
file where two of them share a line (written on one line, as csc-validator-be-903's sample is), it is instead the
record's place in the file: the nth HEADER or EPISODE element, counted from 1 in document order, so that every
row of the report is one record. Only the current CHILD's values are held, so a large file never sits whole in
memory. A DTD is refused outright: the return needs none, and
one is how entity expansion attacks (billion laughs, external entities) get in.
"""

from dataclasses import replace
from typing import BinaryIO
from xml.parsers import expat

from shared.ssda903_files.records import FileRejected, RawRow, RowRef
from shared.ssda903_files.tables import MISSING, OC2, OC3

ROOT = "EXPSSDA903"
# XML tag to the CSV column it stands for, where they differ.
_CSV_NAMES = {"CHILDID": "CHILD", "PL": "PLACE"}
_CHUNK = 1 << 16


class _Refused(Exception):
    """Raised inside an expat handler, which may not raise FileRejected without losing its reason."""


class _ChildReader:
    """expat handlers that collect each CHILD's header and episodes, and hand them out when the CHILD ends."""

    def __init__(self, file: str, parser: expat.XMLParserType) -> None:
        self.file, self.parser = file, parser
        self.path: list[str] = []
        self.text: list[str] = []
        self.header: RawRow | None = None
        self.episodes: list[RawRow] = []
        self.headers: list[RawRow] = []
        self.all_episodes: list[RawRow] = []
        self.in_order: list[RawRow] = []  # every HEADER and EPISODE, in document order
        # The outcome tables a CHILD's HEADER nests (OC2 and each AMISSING), and OC3's values its HEADER holds:
        # (the HEADER, the table, the values), each referred to by its HEADER once the HEADERs are numbered.
        self.outcomes: list[tuple[str, dict[str, str | None]]] = []
        self.all_outcomes: list[tuple[RawRow, str, dict[str, str | None]]] = []

    def start(self, tag: str, _attributes: dict[str, str]) -> None:
        if not self.path and tag != ROOT:
            raise _Refused(f"its root element is {tag}, not {ROOT}: it is not an SSDA903 XML return")
        self.path.append(tag)
        self.text = []
        ref = RowRef(self.file, self.parser.CurrentLineNumber)
        if self.path[1:] == ["CHILD", "HEADER"]:
            self.header = RawRow(ref, {})
            self.in_order.append(self.header)
        elif self.path[1:] == ["CHILD", "EPISODE"]:
            self.episodes.append(RawRow(ref, {}))
            self.in_order.append(self.episodes[-1])
        elif self.path[1:] in (["CHILD", "HEADER", "OC2"], ["CHILD", "HEADER", "AMISSING"]):
            self.outcomes.append((OC2 if tag == "OC2" else MISSING, {}))

    def characters(self, data: str) -> None:
        self.text.append(data)

    def end(self, tag: str) -> None:
        # Only the leaves right under HEADER and EPISODE are the tables' columns; nested groups (AREVIEW, OC2 ...)
        # belong to tables this reader does not store.
        where = self.path[1:-1]
        column = _CSV_NAMES.get(tag, tag)
        value = "".join(self.text).strip() or None
        if where == ["CHILD", "HEADER"] and self.header is not None:
            self.header.values[column] = value
        elif where == ["CHILD", "EPISODE"]:
            self.episodes[-1].values[column] = value
        elif where in (["CHILD", "HEADER", "OC2"], ["CHILD", "HEADER", "AMISSING"]):
            self.outcomes[-1][1][column] = value
        elif self.path[1:] == ["CHILD"]:
            self._end_child()
        self.path.pop()
        self.text = []

    def _end_child(self) -> None:
        child = self.header.get("CHILD") if self.header is not None else None
        for episode in self.episodes:
            episode.values["CHILD"] = child
        if self.header is not None:
            self.headers.append(self.header)
            if self.header.get("ACTIV") is not None:
                self.all_outcomes.append((self.header, OC3, {"CHILD": child, "ACTIV": self.header.get("ACTIV")}))
            for table, values in self.outcomes:
                self.all_outcomes.append((self.header, table, {"CHILD": child, **values}))
        self.all_episodes += self.episodes
        self.header, self.episodes, self.outcomes = None, [], []


def _refuse_dtd(*_arguments: object) -> None:
    raise _Refused("the file declares a DTD or entities, which the service never reads")


def read_xml(file: str, stream: BinaryIO) -> tuple[list[RawRow], list[RawRow], dict[str, list[RawRow]]]:
    """(header rows, episode rows, the outcome tables' rows by table); an episode's or outcome row's CHILD is its
    CHILD element's CHILDID. An outcome row is referred to by its CHILD's HEADER, which holds or nests it."""
    parser = expat.ParserCreate()
    reader = _ChildReader(file, parser)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.characters
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    empty = True
    try:
        while chunk := stream.read(_CHUNK):
            empty = empty and not chunk.strip()
            parser.Parse(chunk, False)
        if empty:
            raise FileRejected(file, "the file is empty")
        parser.Parse(b"", True)
    except _Refused as refused:
        raise FileRejected(file, str(refused)) from None
    except expat.ExpatError as error:
        reason = f"it is not well-formed XML: {expat.ErrorString(error.code)} at line {error.lineno}"
        raise FileRejected(file, reason) from None
    headers, episodes = numbered_by_place(reader.in_order, reader.headers, reader.all_episodes)
    ref_of = {id(read): numbered.ref for read, numbered in zip(reader.headers, headers, strict=True)}
    outcomes: dict[str, list[RawRow]] = {OC2: [], MISSING: [], OC3: []}
    for header, table, values in reader.all_outcomes:
        outcomes[table].append(RawRow(ref_of[id(header)], values))
    return headers, episodes, outcomes


def numbered_by_place(
    in_order: list[RawRow], headers: list[RawRow], episodes: list[RawRow]
) -> tuple[list[RawRow], list[RawRow]]:
    """The rows as read, or, where two share a line, each referred to by its place among the records instead."""
    if len({row.ref.row for row in in_order}) == len(in_order):
        return headers, episodes
    place = {id(row): n for n, row in enumerate(in_order, start=1)}

    def renumbered(rows: list[RawRow]) -> list[RawRow]:
        return [replace(row, ref=replace(row.ref, row=place[id(row)])) for row in rows]

    return renumbered(headers), renumbered(episodes)
