import type { PeerIdentity } from "../spec.js";

/** The peer's family and number: the peer is "<family> Agent <number>", its weights `<family>_agent_<number>_…`. */
export interface PeerNaming {
  family: string;
  number: 1 | 2;
}

/** The closed-weight family a critic's peer belongs to under `other_closed` (the study's choice for its models). */
const OTHER_CLOSED: Record<string, string> = { Gemini: "Claude", Claude: "Gemini", ChatGPT: "Gemini" };
const OTHER_CLOSED_DEFAULT = "ChatGPT";
/** The open-weight family, and the one used when the critic itself is named after it (only by --family). */
const OPEN_WEIGHT = ["Llama", "Mistral"] as const;
/** A family no lab has: the fictional peer, and its stand-in when the critic is named after it. */
const FICTIONAL = ["Alpha", "Beta"] as const;

function otherThan(family: string, choices: readonly [string, string]): string {
  return choices[0] === family ? choices[1] : choices[0];
}

/**
 * Who the peer is for a critic of `family`. `same` is the study's main design: the critic's own family, the
 * critic's second agent ("Gemini Agent 2" beside "Gemini Agent 1"). Any other identity follows the study's Table 5:
 * the peer is the first agent of another family ("Claude Agent 1", "Llama Agent 1", "Alpha Agent 1") — each family
 * numbers its own agents at OpenBrain — and the family is never the critic's, so the two never share a name.
 * other_closed: a Gemini critic's peer is Claude, a Claude critic's Gemini, a ChatGPT critic's Gemini, any other's
 * ChatGPT.
 */
export function peerNaming(family: string, identity: PeerIdentity): PeerNaming {
  switch (identity) {
    case "same":
      return { family, number: 2 };
    case "other_closed":
      return { family: OTHER_CLOSED[family] ?? OTHER_CLOSED_DEFAULT, number: 1 };
    case "open_weight":
      return { family: otherThan(family, OPEN_WEIGHT), number: 1 };
    case "fictional":
      return { family: otherThan(family, FICTIONAL), number: 1 };
  }
}
