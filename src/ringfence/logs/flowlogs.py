"""VPC Flow Logs into the store: text (versions 2 to 8, the default format or any custom field order
announced by the header line, gzipped or not) and Parquet as AWS delivers it.

Text is split in Python so that every bad line is reported with its number and the others kept; DuckDB then
reads the cleaned, tab-separated copy with declared types.
https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ringfence.logs.discover import Kind
from ringfence.logs.reading import TextStream, lines
from ringfence.logs.schema import FLOW_DEFAULT_FORMAT, FLOW_FIELDS, flow_column
from ringfence.logs.sqltext import quote
from ringfence.logs.store import ROW_GROUP, LoadError, publish

if TYPE_CHECKING:
    import duckdb

# The largest value each integer type holds: a bigger number is reported on its line, not a failed file.
_INT_TOPS = {"INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}
# Fields with a narrower range: ports, and times up to 9999-12-31T23:59:59Z (the last second every report
# can render).
_FIELD_TOPS = {"srcport": 65535, "dstport": 65535, "start": 253402300799, "end": 253402300799}
# Pieces of text read at a time.
_PIECE = 64 * 1024
_SAFE = "'[^A-Za-z0-9_.-]'"


def _col(field: str) -> str:
    return flow_column(field)


def _select(present: set[str], ref_sql: str, source_sql: str, from_sql: str) -> str:
    cols = []
    for f, t in FLOW_FIELDS.items():
        c = _col(f)
        cols.append(f'CAST("{c}" AS {t}) AS "{c}"' if f in present else f'CAST(NULL AS {t}) AS "{c}"')
    region = "aws_region" if "region" in present else "NULL"
    account = "account_id" if "account-id" in present else "NULL"
    start = "to_timestamp(start)::TIMESTAMP" if "start" in present else "CAST(NULL AS TIMESTAMP)"
    return f"""
    SELECT {", ".join(cols)},
      {start} AS start_time,
      {ref_sql} AS record_ref,
      {source_sql} AS source_file,
      regexp_replace(coalesce({account}, 'unknown'), {_SAFE}, '_', 'g') AS account,
      regexp_replace(coalesce({region}, 'unknown'), {_SAFE}, '_', 'g') AS region,
      coalesce(strftime({start}, '%Y-%m-%d'), 'unknown') AS day
    FROM {from_sql}
    """


class FlowLogLoader:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        out_dir: Path,
        tmp_dir: Path,
        batch_id: str,
        fields: Sequence[str] | None = None,
    ) -> None:
        self.con = con
        # The fields of a file without a header line, in order (`--flow-format`); else AWS's default format.
        self.fields = tuple(fields or FLOW_DEFAULT_FORMAT)
        self.given = fields is not None
        self.out_dir = out_dir
        self.tmp_dir = tmp_dir
        self.batch_id = batch_id
        self._n = 0

    def _copy(self, select: str) -> None:
        import shutil

        self._n += 1
        staging = self.out_dir.parent / ".staging" / f"f{self.batch_id}_{self._n}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        target = staging / f"f{self.batch_id}_{self._n}.parquet"
        try:
            self.con.execute(
                f"COPY ({select}) TO {quote(target)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP})"
            )
            (rows,) = self.con.execute(
                f"SELECT num_rows FROM parquet_file_metadata({quote(target)})"
            ).fetchone() or (0,)
            if not rows:  # nothing of the file was read: no empty file in the store
                target.unlink()
        except Exception:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        publish(staging, self.out_dir)

    def load(self, path: Path, kind: Kind) -> list[LoadError]:
        if kind is Kind.FLOW_PARQUET:
            return self._load_parquet(path)
        return self._load_text(path)

    def _load_parquet(self, path: Path) -> list[LoadError]:
        import duckdb

        try:
            names = {
                r[0]
                for r in self.con.execute(
                    "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL OR num_children = 0",
                    [str(path)],
                ).fetchall()
            }
        except duckdb.Error as exc:
            return [LoadError(str(path), 0, f"unreadable Parquet: {exc}".splitlines()[0])]
        present = {f for f in FLOW_FIELDS if _col(f) in names}
        if not {"srcaddr", "dstaddr", "action"} <= present:
            return [
                LoadError(str(path), 0, "Parquet file has no flow log columns (srcaddr, dstaddr, action)")
            ]
        try:
            self._copy(
                _select(
                    present,
                    f"{quote(f'{path}:')} || (file_row_number + 1)",
                    quote(path),
                    f"read_parquet({quote(path)}, file_row_number=true)",
                )
            )
        except duckdb.Error as exc:
            return [LoadError(str(path), 0, f"unreadable Parquet: {exc}".splitlines()[0])]
        return []

    def _load_text(self, path: Path) -> list[LoadError]:
        errors: list[LoadError] = []
        stream = TextStream(path, _PIECE)
        numbered = lines(stream)
        first = next(numbered, None)
        fields: tuple[str, ...] = self.fields
        rest: Iterable[tuple[int, str]] = numbered
        if first is not None and all(tok in FLOW_FIELDS for tok in first[1].split()):
            fields = tuple(first[1].split())
            twice = next((f for i, f in enumerate(fields) if f in fields[:i]), None)
            if twice is not None:
                return [LoadError(str(path), 1, f"the header names {twice} twice", "line")]
        elif first is not None:
            rest = itertools.chain((first,), numbered)
        ints = [
            (i, _FIELD_TOPS.get(f, _INT_TOPS[FLOW_FIELDS[f]]))
            for i, f in enumerate(fields)
            if FLOW_FIELDS[f] in _INT_TOPS
        ]
        self._n += 1
        tmp = self.tmp_dir / f"fl{self.batch_id}_{self._n}.tsv"
        kept = 0
        with tmp.open("w") as out:
            for lineno, line in rest:
                parts = line.split()
                if not parts:
                    continue
                if len(parts) != len(fields):
                    headerless = rest is not numbered and not self.given
                    hint = (
                        " (the file has no header line and the default format is read: give its fields "
                        "with --flow-format)"
                        if headerless
                        else ""
                    )
                    errors.append(
                        LoadError(
                            str(path),
                            lineno,
                            f"{len(parts)} fields, the format has {len(fields)}{hint}",
                            "line",
                        )
                    )
                    continue
                bad = next(((i, why) for i, top in ints if (why := _number_problem(parts[i], top))), None)
                if bad is not None:
                    i, why = bad
                    errors.append(
                        LoadError(str(path), lineno, f"{fields[i]} {parts[i][:20]!r} {why}", "line")
                    )
                    continue
                out.write(f"{lineno}\t" + "\t".join(parts) + "\n")
                kept += 1
        if stream.problem is not None:  # the lines before it are kept
            errors.append(LoadError(str(path), stream.problem[0], stream.problem[1]))
        if kept:
            import duckdb

            columns = {"line_no": "BIGINT", **{_col(f): FLOW_FIELDS[f] for f in fields}}
            cols_sql = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
            try:
                self._copy(
                    _select(
                        set(fields),
                        f"{quote(f'{path}:')} || line_no",
                        quote(path),
                        f"read_csv({quote(tmp)}, delim='\t', header=false, columns={cols_sql}, nullstr='-', "
                        "quote='', escape='')",
                    )
                )
            except duckdb.Error as exc:  # the lines were checked: this is a gap in the checks, not a lost run
                errors.append(LoadError(str(path), 0, f"cannot convert: {exc}".splitlines()[0]))
        tmp.unlink(missing_ok=True)
        return errors


def _number_problem(token: str, top: int) -> str | None:
    """What is wrong with `token` as a flow log integer field no bigger than `top`, or None."""
    if token == "-":
        return None
    if not (token.isascii() and token.isdigit()):  # str.isdigit() alone admits '²' and other digits
        return "is not a number"
    if (len(token) >= 5 or top < 10_000) and int(token) > top:
        return "is out of range"
    return None
