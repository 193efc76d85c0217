// What the schema bench asks of a grammar engine: compile a schema, then per test instance a
// matcher fed token ids. Implemented for ours (ours.ts) and for XGrammar's WASM build (xgrammar.ts).

export interface SchemaEngine {
  readonly name: EngineName;
  /** Throws when the engine refuses the schema. */
  compile(schema: unknown): Promise<CompiledSchema>;
}

export type EngineName = 'ours' | 'xgrammar';
export const ENGINE_NAMES: readonly EngineName[] = ['ours', 'xgrammar'];

export interface CompiledSchema {
  /** A matcher at the start of a document. */
  start(): Promise<InstanceMatcher>;
  dispose(): void;
}

export interface InstanceMatcher {
  /** Computes the mask for the next token: the step whose time is TBM (XGrammar's is async). */
  computeMask(): void | Promise<void>;
  /** Whether the last mask allows `token`; if so, moves past it. */
  commit(token: number): boolean;
  /** Whether the document may end here (end of sequence allowed). */
  canEnd(): boolean;
  dispose(): void;
}

/** An engine's refusal worth telling apart from a crash (ours: SchemaError). */
export class RefusedSchema extends Error {}
