/** The Open Inference Protocol's datatype names beside infergraph's: the same, but BYTES where infergraph says STRING. */
import { DATA_TYPES, type DataType } from '../../runtime/tensor.ts';

export type V2DataType = Exclude<DataType, 'STRING'> | 'BYTES';

/** Every datatype the protocol names, in infergraph's order. */
export const V2_DATA_TYPES: readonly V2DataType[] = DATA_TYPES.map(toV2DataType);

export function toV2DataType(dataType: DataType): V2DataType {
  return dataType === 'STRING' ? 'BYTES' : dataType;
}

/** infergraph's data type for a protocol datatype name, or undefined for a name the protocol does not have (`STRING` included). */
export function fromV2DataType(name: string): DataType | undefined {
  if (name === 'BYTES') return 'STRING';
  return name !== 'STRING' && (DATA_TYPES as readonly string[]).includes(name) ? (name as DataType) : undefined;
}
