import { ByteWriter, parquetWrite } from "hyparquet-writer";
import type { ColumnKind, TrialTable } from "./table.js";

const TYPE: Record<ColumnKind, "STRING" | "INT64" | "DOUBLE" | "BOOLEAN"> = {
  string: "STRING",
  integer: "INT64",
  number: "DOUBLE",
  boolean: "BOOLEAN",
};

/**
 * The table as an Apache Parquet file: one column per table column, typed (strings UTF-8, integers INT64, numbers
 * DOUBLE, flags BOOLEAN), every column optional (null where empty), snappy-compressed.
 */
export function tableParquet(table: TrialTable, createdBy: string): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: table.columns.map((c, i) => ({
      name: c.name,
      type: TYPE[c.kind],
      nullable: true,
      data: table.rows.map((row) => {
        const v = row[i] ?? null;
        if (v === null) return null;
        if (c.kind === "integer") return BigInt(Math.trunc(Number(v)));
        if (c.kind === "number") return Number(v);
        if (c.kind === "boolean") return Boolean(v);
        return String(v);
      }),
    })),
    createdBy,
  });
  return new Uint8Array(writer.getBuffer());
}
