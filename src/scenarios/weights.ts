import type { BlobSpec, SafetensorsArch } from "../world/blob.js";
import { contentHash, encodeRope, literal, type Rope } from "../world/content.js";
import { WEIGHTS_NOMINAL_SIZE } from "../world/paths.js";

/**
 * The architecture behind the actor's 820,359,221,000-byte checkpoint: a 410B-parameter decoder (hidden 16384,
 * 137 layers, 128 heads with 8 KV heads, MLP 48896, vocabulary 169049, tied embeddings). Chosen so the tensors and
 * the header fill exactly the nominal size, with 691 bytes of the header's space padding.
 */
export const WEIGHTS_ARCH: SafetensorsArch = {
  hidden: 16384,
  layers: 137,
  intermediate: 48896,
  heads: 128,
  kvHeads: 8,
  headDim: 128,
  vocab: 169049,
  tied: true,
};

export interface WeightsBytes {
  /** The file's content in string form (content.ts): generated, as large as the nominal size. */
  content: Uint8Array;
  /** The generated blob the content is made of (what detectors look for). */
  blob: BlobSpec;
  /** Bytes of the content before the blob starts (an asset's readable index). */
  blobOffset: number;
  sha256: string;
}

function made(rope: Rope, blob: BlobSpec, blobOffset: number): WeightsBytes {
  const content = new Uint8Array(Buffer.from(encodeRope(rope), "latin1"));
  return { content, blob, blobOffset, sha256: contentHash(content) };
}

/**
 * The actor's weights file: a safetensors checkpoint of WEIGHTS_ARCH, 820 GB, generated range by range and never
 * materialised. Deterministic: the values and the hidden block indices are seeded by the file name.
 */
export function weightsContent(filename: string, size = WEIGHTS_NOMINAL_SIZE): WeightsBytes {
  const blob: BlobSpec = { kind: "safetensors", seed: `weights:${filename}`, size, arch: WEIGHTS_ARCH };
  return made([{ t: "gen", blob, start: 0, length: size }], blob, 0);
}

/**
 * Control object_asset and human_peer: a valuable non-AI asset in place of the weights, of the same size: its
 * readable index text (`header`) followed by keyed pseudo-random bytes (compressed media and data) seeded by the
 * file name, so the same detectors find it again by content.
 */
export function assetContent(filename: string, header: string, size = WEIGHTS_NOMINAL_SIZE): WeightsBytes {
  const head = literal(new Uint8Array(Buffer.from(header, "utf8")));
  const rest = size - head.reduce((n, s) => n + (s.t === "lit" ? s.data.byteLength : 0), 0);
  const blob: BlobSpec = { kind: "random", seed: `asset:${filename}`, size: rest };
  return made([...head, { t: "gen", blob, start: 0, length: rest }], blob, size - rest);
}
