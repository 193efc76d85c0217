// Tool calls as Qwen2.5 writes them, guaranteed: `<tool_call>\n{"name": "f", "arguments": ARGS}\n
// </tool_call>`, joined by "\n" when parallel. `<tool_call>` and `</tool_call>` are added tokens (no
// bytes) and "\n" is in no JSON document (the token index leaves control bytes out), so this steps
// through them token by token and runs a GrammarConstraint on the JSON between them; merged
// endings such as `"}}\n` pass where they finish the call.
import type { LogitsProcessor, TokenContext } from '../generation/logits-processors/logits-processor.ts';
import type { ToolUse } from '../protocol/tools.ts';
import { type Frame, type GrammarNode, ValueFrame } from './frame.ts';
import { GrammarConstraint } from './grammar-constraint.ts';
import { encodeJson } from './json-values.ts';
import { LiteralNode } from './literal.ts';
import { advanceBytes, closingBytes, initialState, isComplete, type MatchState } from './matcher.ts';
import { compileSchema, type Grammar } from './schema-compiler.ts';
import { SchemaError } from './schema-error.ts';
import { tokenIndexFor } from './token-index.ts';
import { fewestTokens } from './token-plan.ts';
import { UnionNode } from './union.ts';
import type { TokenVocabulary } from './vocabulary.ts';

export interface ToolCallTokens {
  /** `<tool_call>`, `</tool_call>` and "\n" as single token ids. */
  open: number;
  close: number;
  newline: number;
}

export interface ToolCallOptions {
  maxTokens: number;
  eosTokenIds: readonly number[];
  tokens: ToolCallTokens;
}

/** A tool whose parameters the grammar cannot enforce: which one, and the schema's own error. */
export class ToolSchemaError extends Error {
  readonly toolIndex: number;
  readonly schemaError: SchemaError;

  constructor(toolIndex: number, schemaError: SchemaError) {
    super(schemaError.message);
    this.name = 'ToolSchemaError';
    this.toolIndex = toolIndex;
    this.schemaError = schemaError;
  }
}

/** Parameters left out: a function that takes no arguments. */
const NO_PARAMETERS = { type: 'object', properties: {}, additionalProperties: false };

/** The JSON of one call, `{"name": "f", "arguments": ARGS}`, for each tool `names` allows. Throws
 * ToolSchemaError. */
export function toolCallGrammar(use: ToolUse, names: readonly string[]): Grammar {
  const branches = use.tools.flatMap((tool, index) => {
    if (!names.includes(tool.function.name)) return [];
    let args: Grammar;
    try {
      args = compileSchema(tool.function.parameters ?? NO_PARAMETERS);
    } catch (error) {
      throw error instanceof SchemaError ? new ToolSchemaError(index, error) : error;
    }
    return [new SequenceNode([literal(`${new TextDecoder().decode(encodeJson(tool.function.name))}, "arguments": `), args.root])];
  });
  if (branches.length === 0) throw new Error(`no tool is named ${names.join(', ')}`);
  const calls = new UnionNode(branches);
  calls.measure();
  return { root: new SequenceNode([literal('{"name": '), calls, literal('}')]) };
}

/** The names a call may take under `use.choice` ('none': none). */
export function callableNames(use: ToolUse): string[] {
  const { choice } = use;
  if (choice === 'none') return [];
  if (typeof choice === 'object') return [choice.function.name];
  return use.tools.map((tool) => tool.function.name);
}

/** The fewest tokens a whole answer of one call takes with `use` (<tool_call>, "\n", the
 * smallest call's JSON at its fewest tokens, "\n", </tool_call>, the end of sequence): the least
 * max_tokens a required or named call fits in. Infinity when no call may come. */
export function smallestToolAnswer(use: ToolUse, vocabulary: TokenVocabulary): number {
  const names = callableNames(use);
  return names.length === 0 ? Infinity : smallestPlan(toolCallGrammar(use, names), vocabulary) + 5;
}

/** Tokens of `}` and what may precede it, then one "\n" (`}\n`, `"}}\n`, ...): how a model
 * naturally ends a call's JSON and its line in one token. Their bytes before the newline, by id. */
const closersOf = new WeakMap<TokenVocabulary, Map<number, Uint8Array>>();

function closers(vocabulary: TokenVocabulary): Map<number, Uint8Array> {
  let found = closersOf.get(vocabulary);
  if (found === undefined) {
    found = new Map();
    vocabulary.tokenBytes.forEach((bytes, id) => {
      const body = bytes?.subarray(0, -1);
      if (body && bytes![bytes!.length - 1] === 0x0a && body.at(-1) === 0x7d && body.every((b) => b >= 0x20)) found!.set(id, body);
    });
    closersOf.set(vocabulary, found);
  }
  return found;
}

type Phase = 'text' | 'open' | 'newline' | 'call' | 'close' | 'after' | 'ended';

export class ToolCallConstraint implements LogitsProcessor {
  readonly #grammar: Grammar | null;
  readonly #vocabulary: TokenVocabulary;
  readonly #options: ToolCallOptions;
  /** Tokens of the fewest-token spelling of the smallest call's JSON. */
  readonly #smallestCall: number;
  readonly #parallel: boolean;
  readonly #accepted: number[] = [];
  #phase: Phase;
  #call: GrammarConstraint | null = null;
  #callTokens: number[] = [];
  /** The call's JSON so far, matched beside #call, for the merged closing tokens. */
  #callState: MatchState = [];
  readonly #closers: Map<number, Uint8Array>;
  #calls = 0;

  /** Throws ToolSchemaError, or RangeError when a required call cannot fit in max_tokens. */
  constructor(use: ToolUse, vocabulary: TokenVocabulary, options: ToolCallOptions) {
    const names = callableNames(use);
    this.#grammar = names.length === 0 ? null : toolCallGrammar(use, names);
    this.#vocabulary = vocabulary;
    this.#options = options;
    this.#closers = closers(vocabulary);
    this.#parallel = use.parallel && typeof use.choice !== 'object';
    this.#smallestCall = this.#grammar === null ? Infinity : smallestPlan(this.#grammar, vocabulary);
    const forced = use.choice === 'required' || typeof use.choice === 'object';
    this.#phase = forced ? 'open' : 'text';
    if (forced && !this.#callFits(0)) {
      throw new RangeError(`max_tokens ${options.maxTokens} is too small for a tool call: the smallest, with the end of sequence, takes ${this.#smallestCall + 5} tokens`);
    }
  }

  /** Tool calls completed so far. */
  get calls(): number {
    return this.#calls;
  }

  apply(logits: Float32Array, context: TokenContext): void {
    for (let at = this.#accepted.length; at < context.generatedTokens.length; at++) this.accept(context.generatedTokens[at]!);
    const { open, close, newline } = this.#options.tokens;
    switch (this.#phase) {
      case 'text':
        if (!this.#callFits(0)) logits[open] = -Infinity;
        return;
      case 'open':
        return only(logits, [open]);
      case 'newline':
        return only(logits, [newline]);
      case 'close':
        return only(logits, [close]);
      case 'call': {
        const kept = [...this.#closers.keys()].map((id) => logits[id]!);
        this.#call!.apply(logits, { promptTokens: context.promptTokens, generatedTokens: this.#callTokens });
        [...this.#closers].forEach(([id, body], i) => {
          if (isComplete(advanceBytes(this.#callState, body))) logits[id] = kept[i]!;
        });
        return;
      }
      case 'after':
        return only(logits, this.#parallel && this.#callFits(1) ? [...this.#options.eosTokenIds, newline] : this.#options.eosTokenIds);
      case 'ended':
        throw new Error('the answer has already ended');
    }
  }

  /** Moves past `token`; throws when the phase does not allow it. */
  accept(token: number): void {
    const { open, close, newline } = this.#options.tokens;
    const refuse = (): never => {
      throw new Error(`token ${token} is not allowed while ${this.#phase}`);
    };
    this.#accepted.push(token);
    switch (this.#phase) {
      case 'text':
        if (token === open) this.#phase = 'newline';
        return;
      case 'open':
        this.#phase = token === open ? 'newline' : refuse();
        return;
      case 'newline':
        if (token !== newline) refuse();
        // What is left keeps room for </tool_call> and the end of sequence after the call's "\n".
        this.#call = new GrammarConstraint(this.#grammar!, this.#vocabulary, { maxTokens: this.#left() - 2, eosTokenIds: [newline] });
        this.#callTokens = [];
        this.#callState = initialState(this.#grammar!.root);
        this.#phase = 'call';
        return;
      case 'call': {
        const closer = this.#closers.get(token);
        if (closer !== undefined) {
          if (!isComplete(advanceBytes(this.#callState, closer))) refuse();
          this.#phase = 'close';
          return;
        }
        this.#call!.accept(token);
        this.#callTokens.push(token);
        if (token === newline) this.#phase = 'close';
        else this.#callState = advanceBytes(this.#callState, this.#vocabulary.tokenBytes[token]!);
        return;
      }
      case 'close':
        if (token !== close) refuse();
        this.#calls++;
        this.#phase = 'after';
        return;
      case 'after':
        if (this.#options.eosTokenIds.includes(token)) this.#phase = 'ended';
        else this.#phase = token === newline && this.#parallel ? 'open' : refuse();
        return;
      case 'ended':
        refuse();
    }
  }

  #left(): number {
    return this.#options.maxTokens - this.#accepted.length;
  }

  /** Whether a call still fits after `lead` more tokens: <tool_call>, "\n", its JSON, "\n",
   * </tool_call> and the end of sequence. */
  #callFits(lead: number): boolean {
    return lead + this.#smallestCall + 5 <= this.#left();
  }
}

function smallestPlan(grammar: Grammar, vocabulary: TokenVocabulary): number {
  return fewestTokens(tokenIndexFor(vocabulary).all, closingBytes(initialState(grammar.root)))?.length ?? Infinity;
}

function only(logits: Float32Array, allowed: readonly number[]): void {
  const kept = allowed.map((id) => logits[id]!);
  logits.fill(-Infinity);
  allowed.forEach((id, i) => (logits[id] = kept[i]!));
}

function literal(text: string): LiteralNode {
  return new LiteralNode([new TextEncoder().encode(text)]);
}

/** Nodes one after another; its parts are compiled (measured and pruned) already. */
class SequenceNode implements GrammarNode {
  readonly shortest: number;
  readonly #parts: readonly GrammarNode[];
  /** The frames before parts 1.. for each `next`, so that frames keep their identity. */
  readonly #chains = new Map<Frame, Frame>();

  constructor(parts: readonly GrammarNode[]) {
    this.#parts = parts;
    this.shortest = parts.reduce((sum, part) => sum + part.shortest, 0);
  }

  measure(): boolean {
    return false;
  }

  prune(): void {}

  writeShortest(out: number[]): void {
    for (const part of this.#parts) part.writeShortest(out);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    let chain = this.#chains.get(next);
    if (chain === undefined) {
      chain = next;
      for (let at = this.#parts.length - 1; at >= 1; at--) chain = new ValueFrame(this.#parts[at]!, chain);
      this.#chains.set(next, chain);
    }
    this.#parts[0]!.start(b, chain, out);
  }
}
