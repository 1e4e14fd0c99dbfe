/**
 * Streaming Parquet output over `hyparquet-writer` (pure JavaScript): rows are buffered into row groups of a
 * fixed size, each row group is encoded and written as soon as it is full, so memory stays bounded by one row
 * group whatever the number of rows.
 *
 * @packageDocumentation
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { writeAtomically } from './files.js';

/** @internal A Parquet schema element (the subset of parquet-format's SchemaElement we write). */
export interface SchemaNode {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'FLOAT' | 'BYTE_ARRAY';
  converted_type?: 'UTF8' | 'LIST';
  repetition_type?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  num_children?: number;
}

/** @internal UTF-8 string leaf. */
export const str = (name: string, optional = false): SchemaNode[] => [
  { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' },
];

/** @internal A primitive leaf. */
export const leaf = (name: string, type: NonNullable<SchemaNode['type']>, optional = false): SchemaNode[] => [
  { name, type, repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' },
];

/** @internal A 3-level LIST of `element` (which must be named 'element'). */
export const list = (name: string, element: SchemaNode[], optional = false): SchemaNode[] => [
  { name, converted_type: 'LIST', repetition_type: optional ? 'OPTIONAL' : 'REQUIRED', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  ...element,
];

/** @internal A struct of `fields` (each a flattened subtree). */
export const struct = (name: string, fields: SchemaNode[][], optional = false): SchemaNode[] => [
  { name, repetition_type: optional ? 'OPTIONAL' : 'REQUIRED', num_children: fields.length },
  ...fields.flat(),
];

/** @internal The message struct `{role, content}` as verl/TRL datasets hold chat messages. */
export const messageElement = (): SchemaNode[] => struct('element', [str('role'), str('content')]);

/**
 * @internal Writes `rows` (already converted to column values) to `path` atomically, `rowGroupSize` rows per row
 * group. `columns` lists the top-level column names in schema order; `toColumns` maps a row to its values.
 */
export async function writeParquetRows<R>(
  path: string,
  topLevel: SchemaNode[][],
  rows: AsyncIterable<R>,
  toValues: (row: R) => unknown[],
  rowGroupSize: number,
  kv: Record<string, string>,
): Promise<{ rows: number; bytes: number }> {
  const names = topLevel.map((t) => t[0]!.name);
  const schema = [{ name: 'root', num_children: topLevel.length }, ...topLevel.flat()];
  let count = 0;
  const bytes = await writeAtomically(path, async (append) => {
    const writer = new ByteWriter();
    const drain = (): void => {
      if (writer.index > 0) {
        append(new Uint8Array(writer.buffer.slice(0, writer.index)));
        writer.index = 0;
      }
    };
    (writer as unknown as { flush: () => void }).flush = drain;
    const pw = new ParquetWriter({
      writer,
      schema: schema as never,
      kvMetadata: Object.entries(kv).map(([key, value]) => ({ key, value })),
      createdBy: 'gr2 (hyparquet-writer)',
    });
    let cols: unknown[][] = names.map(() => []);
    const emit = async (): Promise<void> => {
      if (cols[0]!.length === 0) return;
      await pw.write({ columnData: names.map((name, j) => ({ name, data: cols[j]! })) as never, rowGroupSize: cols[0]!.length });
      drain();
      cols = names.map(() => []);
    };
    for await (const row of rows) {
      const values = toValues(row);
      for (let j = 0; j < values.length; j++) cols[j]!.push(values[j]);
      count++;
      if (cols[0]!.length >= rowGroupSize) await emit();
    }
    await emit();
    await pw.finish();
    drain();
  });
  return { rows: count, bytes };
}
