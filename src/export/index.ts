/**
 * `gr2/export` — training-data exporters: TRL conversational JSONL, verl RL Parquet, tokenized SFT Parquet.
 *
 * @packageDocumentation
 */
export { writeTrlJsonl, type ConversationRow, type TrlJsonlOptions } from './trl.js';
export {
  writeVerlParquet,
  toVerlRow,
  type ExtraInfoType,
  type ExtraInfoValue,
  type ToVerlRowOptions,
  type VerlParquetOptions,
  type VerlRow,
} from './verl.js';
export { writeSftParquet, type SftSampleRow } from './sft.js';
